#include "registry/node/removal_decision.h"

#include "kube/api.h"
#include "kube/object.h"
#include "kube/resource.h"

namespace registry {

RemovalDecision decideRemovalOnStop(const kube::ClientPtr& client, const std::string& ns,
                                    const std::string& name, std::chrono::seconds timeout,
                                    const kube::CancelToken& cancel) {
  const std::string what = "DaemonSet " + ns + "/" + name;
  auto daemon_set = kube::Api(client, kube::resources::daemonSets(), ns)
                        .withTimeout(timeout)
                        .withCancel(cancel)
                        .get(name);
  if (!daemon_set) {
    const kube::Error& error = daemon_set.error();
    // A 404 for the whole resource type (a proxy or an API server without apps/v1) says nothing
    // about this DaemonSet.
    if (error.is(kube::ErrorKind::NotFound) &&
        error.message().find("could not find the requested resource") == std::string::npos) {
      return {true, what + " is gone"};
    }
    // The operator deletes node-ca's ServiceAccount, Role and RoleBinding only together with
    // the DaemonSet (the component switched off, the CR or its namespace deleted), in whatever
    // order the garbage collector gets to them; a rollout or a drain never touches them. So a
    // refused identity means the DaemonSet is going too.
    if (error.is(kube::ErrorKind::Unauthorized) || error.is(kube::ErrorKind::Forbidden)) {
      return {true, "node-ca's own identity was revoked (" + error.describe() +
                        "): its ServiceAccount, Role or RoleBinding go only with " + what};
    }
    return {false, "cannot tell whether " + what + " is gone (" + error.describe() +
                       "): keeping the node's CA files, a stale CA is harmless and a missing one "
                       "breaks pulls"};
  }
  const kube::Json& deletion = kube::at(*daemon_set, "/metadata/deletionTimestamp");
  if (deletion.is_string() && !deletion.get<std::string>().empty()) {
    return {true, what + " is being deleted"};
  }
  return {false, what + " still exists (a rollout or a node drain): keeping the node's CA files"};
}

}  // namespace registry

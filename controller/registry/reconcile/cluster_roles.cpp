#include "registry/reconcile/cluster_roles.h"

#include <spdlog/spdlog.h>

#include "kube/api.h"
#include "registry/render/builders.h"
#include "registry/render/labels.h"

namespace registry {

namespace {

// The live role already says what `desired` says: its rules, and every label of ours.
bool upToDate(const kube::Json& live, const kube::Json& desired) {
  if (kube::at(live, "/rules") != desired["rules"]) return false;
  const kube::Json& labels = kube::at(live, "/metadata/labels");
  for (const auto& [key, value] : desired["metadata"]["labels"].items()) {
    if (!labels.is_object() || labels.value(key, kube::Json()) != value) return false;
  }
  return true;
}

bool madeByUs(const kube::Json& live) {
  const kube::Json& managed_by = kube::at(live, "/metadata/labels/app.kubernetes.io~1managed-by");
  return managed_by.is_string() && managed_by.get<std::string>() == kManagedBy;
}

}  // namespace

kube::Result<void> ensureRegistryClusterRoles(const kube::ClientPtr& client,
                                              const kube::CancelToken& cancel) {
  kube::Api api = kube::Api(client, kube::resources::clusterRoles(), "").withCancel(cancel);
  for (const kube::Json& desired : buildRegistryClusterRoles()) {
    const std::string name = kube::name(desired);
    auto live = kube::ignoreNotFound(api.get(name));
    if (!live) return live.error().withContext("reading ClusterRole " + name);
    if (*live && !madeByUs(**live)) {
      spdlog::warn(
          "ClusterRole {} exists and was not made by registry-operator: left as it is; grant "
          "get/update/delete on repositories.imageregistry.io with a role of your own",
          name);
      continue;
    }
    if (*live && upToDate(**live, desired)) continue;
    auto applied = api.apply(desired);
    if (!applied) return applied.error().withContext("applying ClusterRole " + name);
    spdlog::info("applied ClusterRole {}", name);
  }
  return {};
}

}  // namespace registry

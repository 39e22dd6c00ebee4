#include "registry/api/registry_resource.h"
#include "registry/render/builders.h"
#include "registry/render/labels.h"

namespace registry {

namespace {

kube::Json clusterRole(const std::string& name, const kube::Json& verbs,
                       const kube::Json& aggregate_to) {
  kube::Json labels = {{"app.kubernetes.io/name", kManagedBy},
                       {"app.kubernetes.io/component", "auth"},
                       {"app.kubernetes.io/managed-by", kManagedBy},
                       {"app.kubernetes.io/part-of", kManagedBy}};
  for (const auto& role : aggregate_to) {
    labels["rbac.authorization.k8s.io/aggregate-to-" + role.get<std::string>()] = "true";
  }
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRole"},
          {"metadata", {{"name", name}, {"labels", std::move(labels)}}},
          {"rules", kube::Json::array({{{"apiGroups", kube::Json::array({kRegistryConfigGroup})},
                                        {"resources", kube::Json::array({kRepositoriesResource})},
                                        {"verbs", verbs}}})}};
}

}  // namespace

std::vector<kube::Json> buildRegistryClusterRoles() {
  // Aggregated into the built-in roles as OpenShift does for image streams: whoever may view a
  // namespace may pull its images, whoever may edit it may push them.
  return {clusterRole(kRegistryViewerRole, {"get", "list"}, {"view", "edit", "admin"}),
          clusterRole(kRegistryEditorRole, {"get", "list", "update", "delete"}, {"edit", "admin"})};
}

}  // namespace registry

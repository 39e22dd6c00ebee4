#include "kube/resource.h"

#include <vector>

namespace kube {

std::string Resource::groupVersionPath() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

std::string Resource::collectionPath(const std::string& ns) const {
  std::string path = groupVersionPath();
  if (namespaced && !ns.empty()) path += "/namespaces/" + ns;
  return path + "/" + plural;
}

namespace resources {
namespace {
Resource make(std::string group, std::string version, std::string plural, std::string kind,
              bool namespaced = true) {
  return Resource{std::move(group), std::move(version), std::move(plural), std::move(kind),
                  namespaced};
}
}  // namespace

Resource namespaces() { return make("", "v1", "namespaces", "Namespace", false); }
Resource nodes() { return make("", "v1", "nodes", "Node", false); }
Resource configMaps() { return make("", "v1", "configmaps", "ConfigMap"); }
Resource secrets() { return make("", "v1", "secrets", "Secret"); }
Resource services() { return make("", "v1", "services", "Service"); }
Resource serviceAccounts() { return make("", "v1", "serviceaccounts", "ServiceAccount"); }
Resource pods() { return make("", "v1", "pods", "Pod"); }
Resource events() { return make("events.k8s.io", "v1", "events", "Event"); }
Resource persistentVolumeClaims() {
  return make("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim");
}
Resource deployments() { return make("apps", "v1", "deployments", "Deployment"); }
Resource replicaSets() { return make("apps", "v1", "replicasets", "ReplicaSet"); }
Resource daemonSets() { return make("apps", "v1", "daemonsets", "DaemonSet"); }
Resource cronJobs() { return make("batch", "v1", "cronjobs", "CronJob"); }
Resource jobs() { return make("batch", "v1", "jobs", "Job"); }
Resource ingresses() { return make("networking.k8s.io", "v1", "ingresses", "Ingress"); }
Resource podDisruptionBudgets() {
  return make("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget");
}
Resource horizontalPodAutoscalers() {
  return make("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler");
}
Resource roles() { return make("rbac.authorization.k8s.io", "v1", "roles", "Role"); }
Resource roleBindings() {
  return make("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding");
}
Resource clusterRoles() {
  return make("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false);
}
Resource leases() { return make("coordination.k8s.io", "v1", "leases", "Lease"); }
Resource customResourceDefinitions() {
  return make("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
              false);
}
Resource routes() { return make("route.openshift.io", "v1", "routes", "Route"); }

std::optional<Resource> forKind(std::string_view api_version, std::string_view kind) {
  static const std::vector<Resource> kKnown = {namespaces(),
                                               nodes(),
                                               configMaps(),
                                               secrets(),
                                               services(),
                                               serviceAccounts(),
                                               pods(),
                                               events(),
                                               persistentVolumeClaims(),
                                               deployments(),
                                               replicaSets(),
                                               daemonSets(),
                                               cronJobs(),
                                               jobs(),
                                               ingresses(),
                                               podDisruptionBudgets(),
                                               horizontalPodAutoscalers(),
                                               roles(),
                                               roleBindings(),
                                               clusterRoles(),
                                               leases(),
                                               customResourceDefinitions(),
                                               routes()};
  for (const auto& resource : kKnown) {
    if (resource.kind == kind && resource.apiVersion() == api_version) return resource;
  }
  return std::nullopt;
}
}  // namespace resources

}  // namespace kube

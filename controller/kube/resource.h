#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kube {

// Which REST collection an Api talks to. `group` is empty for the core ("legacy") group.
struct Resource {
  std::string group;
  std::string version;
  std::string plural;  // "configmaps"
  std::string kind;    // "ConfigMap"
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1" or "/apis/apps/v1"
  std::string groupVersionPath() const;
  // "/api/v1/namespaces/<ns>/configmaps" (or cluster-wide form when ns is empty).
  std::string collectionPath(const std::string& ns) const;

  bool operator==(const Resource&) const = default;
};

namespace resources {
Resource namespaces();
Resource configMaps();
Resource secrets();
Resource services();
Resource serviceAccounts();
Resource pods();
Resource events();
Resource persistentVolumeClaims();
Resource deployments();
Resource replicaSets();
Resource daemonSets();
Resource cronJobs();
Resource jobs();
Resource ingresses();
Resource podDisruptionBudgets();
Resource horizontalPodAutoscalers();
Resource roles();
Resource roleBindings();
Resource clusterRoles();
Resource leases();
Resource customResourceDefinitions();
Resource routes();  // route.openshift.io/v1
Resource nodes();

// The resource of a kind listed above, by apiVersion and kind ("apps/v1", "Deployment"); nullopt
// for any other. For callers that hold objects and must find where to send them.
std::optional<Resource> forKind(std::string_view api_version, std::string_view kind);
}  // namespace resources

}  // namespace kube

#include "registry/render/builders.h"
#include "registry/render/labels.h"

namespace registry {

std::optional<kube::Json> buildPodDisruptionBudget(const RegistryConfig& config) {
  // With one replica a budget of minAvailable 1 would block node drains forever.
  const std::int32_t fewest = config.spec.managed(ComponentKind::Autoscaling)
                                  ? config.spec.autoscaling.minReplicas
                                  : config.spec.replicas;
  if (fewest <= 1 || !config.spec.managed(ComponentKind::PodDisruptionBudget)) {
    return std::nullopt;
  }
  kube::Json budget =
      newOwnedObject(config, "policy/v1", "PodDisruptionBudget", config.name, kComponentRegistry);
  budget["spec"] = {{"minAvailable", 1},
                    {"selector", {{"matchLabels", selectorLabels(config, kComponentRegistry)}}}};
  return budget;
}

}  // namespace registry

#include "registry/render/builders.h"
#include "registry/render/labels.h"

namespace registry {

std::optional<kube::Json> buildHorizontalPodAutoscaler(const RegistryConfig& config) {
  if (!config.spec.managed(ComponentKind::Autoscaling)) return std::nullopt;
  const AutoscalingSpec& autoscaling = config.spec.autoscaling;
  kube::Json autoscaler = newOwnedObject(config, "autoscaling/v2", "HorizontalPodAutoscaler",
                                         config.name, kComponentRegistry);
  autoscaler["spec"] = {
      {"scaleTargetRef",
       {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", config.name}}},
      {"minReplicas", autoscaling.minReplicas},
      {"maxReplicas", autoscaling.maxReplicas},
      {"metrics",
       kube::Json::array(
           {{{"type", "Resource"},
             {"resource",
              {{"name", "cpu"},
               {"target",
                {{"type", "Utilization"},
                 {"averageUtilization", autoscaling.targetCPUUtilizationPercentage}}}}}}})},
  };
  return autoscaler;
}

}  // namespace registry

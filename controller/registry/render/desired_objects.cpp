#include "kube/yaml_json.h"
#include "registry/render/builders.h"
#include "registry/render/config_hash.h"
#include "registry/render/config_render.h"

namespace registry {

kube::Result<std::vector<kube::Json>> desiredObjects(const RegistryConfig& config,
                                                     const Inputs& inputs) {
  auto rendered = renderConfig(config, inputs);
  if (!rendered.ok()) return rendered.error();
  const std::string hash = configHash(rendered.value(), config, inputs);

  std::vector<kube::Json> objects;
  auto add = [&objects](std::optional<kube::Json> object) {
    if (object) objects.push_back(std::move(*object));
  };
  add(buildServiceAccount(config));
  add(buildPrivateSecret(config, inputs));
  add(buildConfigSecret(config, inputs, kube::jsonToYaml(rendered.value())));
  // The CA's key before the certificate it signs: should the second apply fail, the next
  // reconcile re-signs with the stored CA instead of finding a certificate whose CA is lost.
  add(buildCaKeySecret(config, inputs));
  add(buildTlsSecret(config, inputs));
  add(buildCaConfigMap(config, inputs));
  add(buildStorageClaim(config));
  add(buildService(config, inputs));
  add(buildDeployment(config, inputs, hash));
  for (auto& route : buildRoutes(config, inputs)) objects.push_back(std::move(route));
  add(buildPrunerCronJob(config, inputs));
  add(buildPodDisruptionBudget(config));
  return objects;
}

std::vector<OwnedKind> ownedKinds(Platform platform) {
  std::vector<OwnedKind> kinds = {
      {"v1", "ServiceAccount", "serviceaccounts"},
      {"v1", "Secret", "secrets"},
      {"v1", "ConfigMap", "configmaps"},
      {"v1", "PersistentVolumeClaim", "persistentvolumeclaims"},
      {"v1", "Service", "services"},
      {"apps/v1", "Deployment", "deployments"},
      {"networking.k8s.io/v1", "Ingress", "ingresses"},
      {"batch/v1", "CronJob", "cronjobs"},
      {"policy/v1", "PodDisruptionBudget", "poddisruptionbudgets"},
  };
  if (platform == Platform::OpenShift) {
    kinds.push_back({"route.openshift.io/v1", "Route", "routes"});
  }
  return kinds;
}

}  // namespace registry

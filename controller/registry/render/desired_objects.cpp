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
  // What the htpasswd in N-config is made from, before it: should N-config's apply succeed and
  // N-admin's fail, the pods would know a hash of a password that no one can read.
  add(buildAdminSecret(config, inputs));
  add(buildJobsCredentialsSecret(config, inputs));
  add(buildHtpasswdSecret(config, inputs));
  add(buildTokenSigningSecret(config, inputs));
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
  for (auto& object : buildJobsIdentity(config)) objects.push_back(std::move(object));
  add(buildPrunerCronJob(config, inputs));
  for (auto& cron_job : buildMirrorCronJobs(config, inputs)) objects.push_back(std::move(cron_job));
  add(buildPodDisruptionBudget(config));
  add(buildHorizontalPodAutoscaler(config));
  for (auto& object : buildNodeCa(config, inputs)) objects.push_back(std::move(object));
  return objects;
}

std::vector<kube::Resource> ownedResources(Platform platform) {
  namespace r = kube::resources;
  std::vector<kube::Resource> kinds = {
      r::serviceAccounts(),
      r::secrets(),
      r::configMaps(),
      r::persistentVolumeClaims(),
      r::services(),
      r::deployments(),
      r::ingresses(),
      r::cronJobs(),
      r::podDisruptionBudgets(),
      r::horizontalPodAutoscalers(),
      r::daemonSets(),
      r::roles(),
      r::roleBindings(),
  };
  if (platform == Platform::OpenShift) kinds.push_back(r::routes());
  return kinds;
}

}  // namespace registry

#include "registry/render/job_pod.h"

#include "registry/render/feature_support.h"
#include "registry/render/object_names.h"
#include "registry/render/security_context.h"

namespace registry {
namespace {

constexpr const char* kCaVolume = "registry-ca";
constexpr const char* kCaDir = "/etc/registry-ca";
constexpr const char* kCredentialsVolume = "registry-credentials";
constexpr const char* kCredentialsDir = "/etc/registry-credentials";

}  // namespace

std::string serviceRegistryUrl(const RegistryConfig& config) {
  return std::string(config.spec.tls.enabled() ? "https://" : "http://") + config.name + "." +
         config.namespace_ + ".svc:" + std::to_string(kRegistryPort);
}

std::optional<std::string> registryCaFile(const RegistryConfig& config, const Inputs& inputs) {
  if (config.spec.tls.mode != TlsMode::Auto) return std::nullopt;
  const char* key = inputs.platform.platform == Platform::OpenShift ? kServiceCaKey : kCaKey;
  return std::string(kCaDir) + "/" + key;
}

std::optional<std::string> registryPasswordFile(const RegistryConfig& config) {
  if (!jobsNeedCredentials(config)) return std::nullopt;
  return std::string(kCredentialsDir) + "/" + kPasswordKey;
}

kube::Json jobPodSpec(const RegistryConfig& config, const Inputs& inputs, kube::Json container,
                      kube::Json volumes) {
  container["image"] = inputs.platform.operatorImage;
  container["imagePullPolicy"] = "IfNotPresent";
  container["securityContext"] = restrictedContainerSecurityContext();
  if (registryCaFile(config, inputs)) {
    if (!container.contains("volumeMounts")) container["volumeMounts"] = kube::Json::array();
    container["volumeMounts"].push_back(
        {{"name", kCaVolume}, {"mountPath", kCaDir}, {"readOnly", true}});
    volumes.push_back({{"name", kCaVolume}, {"configMap", {{"name", caConfigMapName(config)}}}});
  }
  if (registryPasswordFile(config)) {
    if (!container.contains("volumeMounts")) container["volumeMounts"] = kube::Json::array();
    container["volumeMounts"].push_back(
        {{"name", kCredentialsVolume}, {"mountPath", kCredentialsDir}, {"readOnly", true}});
    volumes.push_back(
        {{"name", kCredentialsVolume},
         {"secret",
          {{"secretName", jobsCredentialsName(config)},
           {"items", kube::Json::array({{{"key", kPasswordKey}, {"path", kPasswordKey}}})}}}});
  }
  kube::Json pod = {
      {"restartPolicy", "Never"},
      {"serviceAccountName", jobsName(config)},
      {"enableServiceLinks", false},
      {"securityContext", restrictedPodSecurityContext(inputs.platform)},
      {"containers", kube::Json::array({std::move(container)})},
  };
  if (!volumes.empty()) pod["volumes"] = std::move(volumes);
  return pod;
}

}  // namespace registry

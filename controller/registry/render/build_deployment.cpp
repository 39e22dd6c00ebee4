#include "registry/render/builders.h"
#include "registry/render/hostnames.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"
#include "registry/render/security_context.h"

namespace registry {
namespace {

constexpr const char* kStorageVolume = "registry-storage";
constexpr const char* kConfigVolume = "registry-config";
constexpr const char* kTlsVolume = "registry-tls";
constexpr const char* kTmpVolume = "tmp";
constexpr const char* kSigningVolume = "token-signing";
constexpr const char* kKubeCaVolume = "kube-ca";

// The debug listener is on when the config renders it (see config_render.cpp).
bool debugListener(const RegistryConfig& config) {
  return config.spec.auth.type != AuthType::None || config.spec.managed(ComponentKind::Monitoring);
}

kube::Json environment(const RegistryConfig& config) {
  kube::Json env = kube::Json::array();
  const ProxySpec& proxy = config.spec.proxy;
  for (const auto& [name, value] :
       {std::pair{"HTTP_PROXY", &proxy.http}, std::pair{"HTTPS_PROXY", &proxy.https},
        std::pair{"NO_PROXY", &proxy.noProxy}}) {
    if (!value->empty()) env.push_back({{"name", name}, {"value", *value}});
  }
  const S3Storage* s3 = config.spec.storage.s3();
  if (s3 != nullptr && !s3->credentialsSecret.empty()) {
    // distribution reads REGISTRY_STORAGE_S3_* as overrides of storage.s3.*.
    for (const char* key : {kS3AccessKeyKey, kS3SecretKeyKey}) {
      kube::Json secret_ref = {{"name", s3->credentialsSecret}, {"key", key}};
      env.push_back({{"name", key}, {"valueFrom", {{"secretKeyRef", std::move(secret_ref)}}}});
    }
  }
  return env;
}

kube::Json probe(const RegistryConfig& config, int initial_delay) {
  kube::Json http_get;
  if (config.spec.auth.type == AuthType::None) {
    http_get = {{"path", "/v2/"},
                {"port", kRegistryPortName},
                {"scheme", config.spec.tls.enabled() ? "HTTPS" : "HTTP"}};
  } else {
    // With auth on, /v2/ answers 401, which a probe counts as a failure.
    http_get = {{"path", "/debug/health"}, {"port", kDebugPort}, {"scheme", "HTTP"}};
  }
  return {{"httpGet", std::move(http_get)},
          {"initialDelaySeconds", initial_delay},
          {"periodSeconds", 10},
          {"timeoutSeconds", 5},
          {"failureThreshold", 3}};
}

kube::Json container(const RegistryConfig& config, const Inputs& inputs) {
  const RegistryConfigSpec& spec = config.spec;
  kube::Json ports = kube::Json::array(
      {{{"name", kRegistryPortName}, {"containerPort", kRegistryPort}, {"protocol", "TCP"}}});
  if (debugListener(config)) {
    ports.push_back({{"name", "debug"}, {"containerPort", kDebugPort}, {"protocol", "TCP"}});
  }
  kube::Json mounts = kube::Json::array({
      {{"name", kStorageVolume}, {"mountPath", kStorageDir}},
      {{"name", kConfigVolume}, {"mountPath", kConfigDir}, {"readOnly", true}},
      {{"name", kTmpVolume}, {"mountPath", "/tmp"}},
  });
  if (config.spec.tls.enabled()) {
    mounts.push_back({{"name", kTlsVolume}, {"mountPath", kTlsDir}, {"readOnly", true}});
  }
  kube::Json resources = spec.resources.is_object()
                             ? spec.resources
                             : kube::Json{{"requests", {{"cpu", "100m"}, {"memory", "256Mi"}}}};
  kube::Json result = {
      {"name", "registry"},
      {"image", spec.image.empty() ? inputs.platform.registryImage : spec.image},
      {"imagePullPolicy", "IfNotPresent"},
      // The registry:2 entrypoint would default to /etc/docker/registry/config.yml.
      {"command", kube::Json::array({"/bin/registry"})},
      {"args", kube::Json::array({"serve", kConfigPath})},
      {"ports", std::move(ports)},
      {"readinessProbe", probe(config, 1)},
      {"livenessProbe", probe(config, 10)},
      {"resources", std::move(resources)},
      {"securityContext", restrictedContainerSecurityContext()},
      {"volumeMounts", std::move(mounts)},
  };
  kube::Json env = environment(config);
  if (!env.empty()) result["env"] = std::move(env);
  return result;
}

// The token service of auth type Kubernetes (`registry-operator auth-server`), beside the
// registry so that it scales and rolls with it and serves the same certificate. It checks each
// caller with the caller's own token (self reviews), so the pod needs no API credentials of its
// own: only the API server's CA, from ConfigMap kube-root-ca.crt.
kube::Json authServerContainer(const RegistryConfig& config, const Inputs& inputs) {
  const bool tls = config.spec.tls.enabled();
  kube::Json command = {"registry-operator",
                        "auth-server",
                        "--listen-addr",
                        ":" + std::to_string(kAuthPort),
                        "--service",
                        internalHostname(config),
                        "--issuer",
                        kManagedBy,
                        "--signing-cert-file",
                        std::string(kSigningDir) + "/" + kSigningCertKey,
                        "--signing-key-file",
                        std::string(kSigningDir) + "/" + kSigningKeyKey,
                        "--api-ca-file",
                        std::string(kKubeCaDir) + "/" + kCaKey};
  if (tls) {
    for (const auto& [flag, key] :
         {std::pair{"--tls-cert-file", kTlsCertKey}, std::pair{"--tls-key-file", kTlsKeyKey}}) {
      command.push_back(flag);
      command.push_back(std::string(kTlsDir) + "/" + key);
    }
  }
  if (config.spec.auth.anonymousPull) command.push_back("--anonymous-pull");
  kube::Json mounts = kube::Json::array({
      {{"name", kSigningVolume}, {"mountPath", kSigningDir}, {"readOnly", true}},
      {{"name", kKubeCaVolume}, {"mountPath", kKubeCaDir}, {"readOnly", true}},
  });
  if (tls) mounts.push_back({{"name", kTlsVolume}, {"mountPath", kTlsDir}, {"readOnly", true}});
  kube::Json probe = {
      {"httpGet",
       {{"path", "/healthz"}, {"port", kAuthPortName}, {"scheme", tls ? "HTTPS" : "HTTP"}}},
      {"periodSeconds", 10},
      {"timeoutSeconds", 5},
      {"failureThreshold", 3}};
  return {
      {"name", "auth-server"},
      {"image", inputs.platform.operatorImage},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", std::move(command)},
      {"ports",
       kube::Json::array(
           {{{"name", kAuthPortName}, {"containerPort", kAuthPort}, {"protocol", "TCP"}}})},
      {"readinessProbe", probe},
      {"livenessProbe", probe},
      {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "32Mi"}}}}},
      {"securityContext", restrictedContainerSecurityContext()},
      {"volumeMounts", std::move(mounts)},
  };
}

kube::Json volumes(const RegistryConfig& config) {
  kube::Json storage;
  if (config.spec.storage.pvc() != nullptr) {
    storage = {{"name", kStorageVolume},
               {"persistentVolumeClaim", {{"claimName", storageClaimName(config)}}}};
  } else {
    // s3 keeps blobs remotely; the local directory only holds the filesystem driver's data.
    storage = {{"name", kStorageVolume}, {"emptyDir", kube::Json::object()}};
  }
  kube::Json result = kube::Json::array({
      std::move(storage),
      {{"name", kConfigVolume}, {"secret", {{"secretName", configSecretName(config)}}}},
      {{"name", kTmpVolume}, {"emptyDir", kube::Json::object()}},
  });
  if (config.spec.tls.enabled()) {
    result.push_back(
        {{"name", kTlsVolume}, {"secret", {{"secretName", servingSecretName(config)}}}});
  }
  if (config.spec.auth.type == AuthType::Kubernetes) {
    result.push_back(
        {{"name", kSigningVolume}, {"secret", {{"secretName", tokenSigningSecretName(config)}}}});
    result.push_back({{"name", kKubeCaVolume}, {"configMap", {{"name", kKubeRootCaConfigMap}}}});
  }
  return result;
}

kube::Json containers(const RegistryConfig& config, const Inputs& inputs) {
  kube::Json result = kube::Json::array({container(config, inputs)});
  if (config.spec.auth.type == AuthType::Kubernetes) {
    result.push_back(authServerContainer(config, inputs));
  }
  return result;
}

kube::Json strategy(const RegistryConfig& config) {
  if (config.spec.rolloutStrategy == RolloutStrategy::Recreate) return {{"type", "Recreate"}};
  // Spelled out so that the operator owns these fields under server-side apply and they go
  // away when the strategy switches to Recreate (which forbids them).
  return {{"type", "RollingUpdate"},
          {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}};
}

kube::Json podSpec(const RegistryConfig& config, const Inputs& inputs) {
  const RegistryConfigSpec& spec = config.spec;
  kube::Json pod = {
      {"serviceAccountName", config.name},
      {"automountServiceAccountToken", false},
      // Service links would inject REGISTRY_PORT and friends for a Service named "registry",
      // and distribution reads every REGISTRY_* variable as a configuration override.
      {"enableServiceLinks", false},
      {"securityContext", restrictedPodSecurityContext(inputs.platform)},
      {"containers", containers(config, inputs)},
      {"volumes", volumes(config)},
  };
  if (!spec.nodeSelector.empty()) pod["nodeSelector"] = spec.nodeSelector;
  if (spec.tolerations.is_array()) pod["tolerations"] = spec.tolerations;
  if (spec.affinity.is_object()) pod["affinity"] = spec.affinity;
  if (spec.topologySpreadConstraints.is_array()) {
    pod["topologySpreadConstraints"] = spec.topologySpreadConstraints;
  }
  return pod;
}

}  // namespace

kube::Json buildDeployment(const RegistryConfig& config, const Inputs& inputs,
                           const std::string& config_hash) {
  kube::Json deployment =
      newOwnedObject(config, "apps/v1", "Deployment", config.name, kComponentRegistry);
  kube::Json spec = {
      {"selector", {{"matchLabels", selectorLabels(config, kComponentRegistry)}}},
      {"strategy", strategy(config)},
      {"template",
       {{"metadata",
         {{"labels", commonLabels(config, kComponentRegistry)},
          {"annotations", {{kConfigHashAnnotation, config_hash}}}}},
        {"spec", podSpec(config, inputs)}}},
  };
  // With autoscaling the HorizontalPodAutoscaler owns replicas; setting it here would fight it.
  if (!config.spec.managed(ComponentKind::Autoscaling)) spec["replicas"] = config.spec.replicas;
  deployment["spec"] = std::move(spec);
  return deployment;
}

}  // namespace registry

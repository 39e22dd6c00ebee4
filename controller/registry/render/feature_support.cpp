#include "registry/render/feature_support.h"

#include <string>

namespace registry {

std::vector<Problem> unsupportedFeatures(const RegistryConfig& config) {
  const RegistryConfigSpec& spec = config.spec;
  std::vector<Problem> problems;
  if (spec.managed(ComponentKind::Monitoring)) {
    problems.push_back(
        {"ComponentNotSupported",
         "spec.components: monitoring is not implemented yet (no ServiceMonitor is created); "
         "set it to managed: false"});
  }
  // distribution's garbage collector deletes blobs that an upload in progress is about to
  // reference; it is only safe while the registry accepts no writes, which the operator cannot
  // guarantee yet. Refused rather than run against a live registry.
  if (spec.managed(ComponentKind::Pruner) && spec.pruning.garbageCollect) {
    problems.push_back({"GarbageCollectNotSupported",
                        "spec.pruning.garbageCollect: blob garbage collection is only safe while "
                        "the registry takes no writes and is not implemented yet; set it to false "
                        "(pruning still deletes manifests)"});
  }
  // With auth type Kubernetes the jobs would log in with their ServiceAccount's token, and the
  // pruner needs the catalog and delete in every namespace the registry holds: rights across the
  // cluster that the operator does not grant by itself (not done yet).
  if (spec.managed(ComponentKind::Pruner) && !jobsCanAuthenticate(config)) {
    problems.push_back({"PrunerNeedsCredentials",
                        "spec.components: the pruner cannot authenticate to a registry with "
                        "auth.type " +
                            std::string(toString(spec.auth.type)) +
                            " yet, so its CronJob is not created; set the pruner component to "
                            "managed: false"});
  }
  if (spec.managed(ComponentKind::Mirror) && !spec.mirrors.empty() &&
      !jobsCanAuthenticate(config)) {
    problems.push_back({"MirrorsNeedCredentials",
                        "spec.mirrors: the mirror jobs cannot authenticate to a registry with "
                        "auth.type " +
                            std::string(toString(spec.auth.type)) +
                            " yet, so their CronJobs are not created and nothing is imported; set "
                            "the mirror component to managed: false"});
  }
  if (spec.managed(ComponentKind::NodeCA) && !spec.tls.enabled()) {
    problems.push_back({"NodeCANeedsTls",
                        "spec.components: nodeCA distributes the registry's CA, but tls.mode is "
                        "Disabled, so there is none (node-ca never declares a registry insecure); "
                        "enable TLS or set nodeCA to managed: false"});
  }
  return problems;
}

std::vector<Problem> riskySettings(const RegistryConfig& config) {
  std::vector<Problem> risky;
  if (!mirrorsWanted(config)) return risky;
  for (std::size_t i = 0; i < config.spec.mirrors.size(); ++i) {
    const MirrorSpec& mirror = config.spec.mirrors[i];
    if (!mirror.insecure) continue;
    risky.push_back({"MirrorInsecure", "spec.mirrors[" + std::to_string(i) + "]: " + mirror.source +
                                           " is read over plain HTTP: its images reach this "
                                           "registry unauthenticated and unencrypted"});
  }
  return risky;
}

bool jobsCanAuthenticate(const RegistryConfig& config) {
  return config.spec.auth.type == AuthType::None || config.spec.auth.type == AuthType::Htpasswd;
}

bool jobsNeedCredentials(const RegistryConfig& config) {
  return config.spec.auth.type == AuthType::Htpasswd &&
         (prunerWanted(config) || mirrorsWanted(config));
}

bool prunerWanted(const RegistryConfig& config) {
  return config.spec.managed(ComponentKind::Pruner) && jobsCanAuthenticate(config);
}

bool mirrorsWanted(const RegistryConfig& config) {
  return config.spec.managed(ComponentKind::Mirror) && !config.spec.mirrors.empty() &&
         jobsCanAuthenticate(config);
}

}  // namespace registry

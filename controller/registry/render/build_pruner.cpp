#include "registry/render/builders.h"
#include "registry/render/feature_support.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"
#include "registry/render/security_context.h"

namespace registry {
namespace {

constexpr const char* kCaVolume = "registry-ca";
constexpr const char* kCaDir = "/etc/registry-ca";

// The CA file the pruner trusts, when the operator knows which CA signed the registry's
// certificate: the operator's own (Kubernetes) or service-ca's (OpenShift), both in N-ca.
std::optional<std::string> caKey(const RegistryConfig& config, const Inputs& inputs) {
  if (config.spec.tls.mode != TlsMode::Auto) return std::nullopt;
  return inputs.platform.platform == Platform::OpenShift ? kServiceCaKey : kCaKey;
}

kube::Json command(const RegistryConfig& config, const Inputs& inputs) {
  const PruningSpec& pruning = config.spec.pruning;
  std::string scheme = config.spec.tls.enabled() ? "https://" : "http://";
  kube::Json args = {
      "registry-operator",
      "prune",
      "--registry",
      scheme + config.name + "." + config.namespace_ + ".svc:" + std::to_string(kRegistryPort),
      "--keep-tag-revisions",
      std::to_string(pruning.keepTagRevisions),
      "--keep-younger-than",
      pruning.keepYoungerThan};
  if (auto key = caKey(config, inputs)) {
    args.push_back("--ca-file");
    args.push_back(std::string(kCaDir) + "/" + *key);
  }
  // spec.pruning.garbageCollect is not passed on: `prune` only deletes manifests. Freeing blobs
  // (the registry's garbage-collect) is unsafe while the registry takes pushes, so whether and
  // when to run it is the operator's decision, not the pruner's.
  return args;
}

kube::Json podSpec(const RegistryConfig& config, const Inputs& inputs) {
  kube::Json container = {
      {"name", "pruner"},
      {"image", inputs.platform.operatorImage},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", command(config, inputs)},
      {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "64Mi"}}}}},
      {"securityContext", restrictedContainerSecurityContext()},
  };
  kube::Json pod = {
      {"restartPolicy", "Never"},
      {"serviceAccountName", config.name},
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", false},
      {"securityContext", restrictedPodSecurityContext(inputs.platform)},
  };
  if (caKey(config, inputs)) {
    container["volumeMounts"] =
        kube::Json::array({{{"name", kCaVolume}, {"mountPath", kCaDir}, {"readOnly", true}}});
    pod["volumes"] = kube::Json::array(
        {{{"name", kCaVolume}, {"configMap", {{"name", caConfigMapName(config)}}}}});
  }
  pod["containers"] = kube::Json::array({std::move(container)});
  return pod;
}

}  // namespace

std::optional<kube::Json> buildPrunerCronJob(const RegistryConfig& config, const Inputs& inputs) {
  if (!config.spec.managed(ComponentKind::Pruner)) return std::nullopt;
  if (!prunerCanAuthenticate(config)) return std::nullopt;  // PrunerNeedsCredentials
  const PruningSpec& pruning = config.spec.pruning;
  kube::Json cron_job =
      newOwnedObject(config, "batch/v1", "CronJob", prunerName(config), kComponentPruner);
  kube::Json labels = commonLabels(config, kComponentPruner);
  cron_job["spec"] = {
      {"schedule", pruning.schedule},
      {"suspend", pruning.suspend},
      // Two pruners deleting from the same repositories at once would race.
      {"concurrencyPolicy", "Forbid"},
      {"successfulJobsHistoryLimit", pruning.successfulJobsHistoryLimit},
      {"failedJobsHistoryLimit", pruning.failedJobsHistoryLimit},
      {"jobTemplate",
       {{"metadata", {{"labels", labels}}},
        {"spec",
         {{"backoffLimit", 0},
          {"template", {{"metadata", {{"labels", labels}}}, {"spec", podSpec(config, inputs)}}}}}}},
  };
  return cron_job;
}

}  // namespace registry

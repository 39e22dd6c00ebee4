#include "registry/render/builders.h"
#include "registry/render/feature_support.h"
#include "registry/render/job_pod.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"

namespace registry {
namespace {

kube::Json command(const RegistryConfig& config, const Inputs& inputs) {
  const PruningSpec& pruning = config.spec.pruning;
  kube::Json args = {"registry-operator",    "prune",
                     "--registry",           serviceRegistryUrl(config),
                     "--keep-tag-revisions", std::to_string(pruning.keepTagRevisions),
                     "--keep-younger-than",  pruning.keepYoungerThan,
                     "--report-status",      config.namespace_ + "/" + config.name};
  if (auto ca_file = registryCaFile(config, inputs)) {
    args.push_back("--ca-file");
    args.push_back(*ca_file);
  }
  if (auto password_file = registryPasswordFile(config)) {
    for (const char* arg : {"--username", kJobsUser}) args.push_back(arg);
    args.push_back("--password-file");
    args.push_back(*password_file);
  }
  // spec.pruning.garbageCollect is not passed on: `prune` only deletes manifests. Freeing blobs
  // (the registry's garbage-collect) is unsafe while the registry takes pushes, so whether and
  // when to run it is the operator's decision, not the pruner's.
  return args;
}

}  // namespace

std::optional<kube::Json> buildPrunerCronJob(const RegistryConfig& config, const Inputs& inputs) {
  if (!prunerWanted(config)) return std::nullopt;  // unmanaged, or PrunerNeedsCredentials
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
          {"template",
           {{"metadata", {{"labels", labels}}},
            {"spec", jobPodSpec(config, inputs,
                                {{"name", "pruner"},
                                 {"command", command(config, inputs)},
                                 {"resources",
                                  {{"requests", {{"cpu", "10m"}, {"memory", "64Mi"}}}}}})}}}}}}},
  };
  return cron_job;
}

}  // namespace registry

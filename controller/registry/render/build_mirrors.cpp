#include "registry/api/duration.h"
#include "registry/api/mirror_target.h"
#include "registry/render/builders.h"
#include "registry/render/feature_support.h"
#include "registry/render/interval_schedule.h"
#include "registry/render/job_pod.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"

namespace registry {
namespace {

constexpr const char* kSourceCaVolume = "source-ca";
constexpr const char* kSourceCaDir = "/etc/mirror-source-ca";
constexpr const char* kPullSecretVolume = "pull-secret";
constexpr const char* kPullSecretDir = "/etc/mirror-pull-secret";

// Only one key of the user's Secret is projected: the rest of it never reaches the pod.
kube::Json secretKeyVolume(const char* volume, const std::string& secret, const char* key) {
  return {
      {"name", volume},
      {"secret",
       {{"secretName", secret}, {"items", kube::Json::array({{{"key", key}, {"path", key}}})}}}};
}

kube::Json mirrorJobTemplate(const RegistryConfig& config, const Inputs& inputs,
                             const MirrorSpec& mirror) {
  const std::string target = mirrorTargetRepository(mirror);
  kube::Json command = {"registry-operator",   "mirror",   "--source",
                        mirror.source,         "--target", serviceRegistryUrl(config),
                        "--target-repository", target};
  // No tags listed: the tag docker pulls when none is given.
  const std::vector<std::string> tags =
      mirror.tags.empty() ? std::vector<std::string>{"latest"} : mirror.tags;
  for (const auto& tag : tags) {
    command.push_back("--tag");
    command.push_back(tag);
  }
  if (auto ca_file = registryCaFile(config, inputs)) {
    command.push_back("--target-ca-file");
    command.push_back(*ca_file);
  }
  if (auto password_file = registryPasswordFile(config)) {
    for (const char* arg : {"--target-username", kJobsUser}) command.push_back(arg);
    command.push_back("--target-password-file");
    command.push_back(*password_file);
  }
  kube::Json mounts = kube::Json::array();
  kube::Json volumes = kube::Json::array();
  if (mirror.insecure) command.push_back("--source-insecure");
  if (!mirror.caSecret.empty()) {
    command.push_back("--source-ca-file");
    command.push_back(std::string(kSourceCaDir) + "/" + kCaKey);
    volumes.push_back(secretKeyVolume(kSourceCaVolume, mirror.caSecret, kCaKey));
    mounts.push_back({{"name", kSourceCaVolume}, {"mountPath", kSourceCaDir}, {"readOnly", true}});
  }
  if (!mirror.pullSecret.empty()) {
    command.push_back("--pull-secret-file");
    command.push_back(std::string(kPullSecretDir) + "/" + kDockerConfigJsonKey);
    volumes.push_back(secretKeyVolume(kPullSecretVolume, mirror.pullSecret, kDockerConfigJsonKey));
    mounts.push_back(
        {{"name", kPullSecretVolume}, {"mountPath", kPullSecretDir}, {"readOnly", true}});
  }
  // Blobs another mirror of this registry already holds are mounted instead of copied again
  // (base layers shared by several upstream images).
  for (const auto& other : config.spec.mirrors) {
    const std::string other_target = mirrorTargetRepository(other);
    if (other.name == mirror.name || other_target == target) continue;
    command.push_back("--mount-from");
    command.push_back(other_target);
  }
  command.push_back("--report-status");
  command.push_back(config.namespace_ + "/" + config.name);
  command.push_back("--mirror-name");
  command.push_back(mirror.name);

  kube::Json container = {
      {"name", "mirror"},
      {"command", std::move(command)},
      {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "64Mi"}}}}},
  };
  if (!mounts.empty()) container["volumeMounts"] = std::move(mounts);
  kube::Json labels = commonLabels(config, kComponentMirror);
  return {{"metadata", {{"labels", labels}}},
          {"spec",
           {{"backoffLimit", 0},
            {"template",
             {{"metadata", {{"labels", labels}}},
              {"spec", jobPodSpec(config, inputs, std::move(container), std::move(volumes))}}}}}};
}

}  // namespace

std::vector<kube::Json> buildMirrorCronJobs(const RegistryConfig& config, const Inputs& inputs) {
  if (!mirrorsWanted(config)) return {};  // none, unmanaged, or MirrorsNeedCredentials
  std::vector<kube::Json> cron_jobs;
  for (const auto& mirror : config.spec.mirrors) {
    const std::string name = mirrorCronJobName(config, mirror);
    kube::Json cron_job = newOwnedObject(config, "batch/v1", "CronJob", name, kComponentMirror);
    // Validation refuses an interval that does not parse; 15m is the CRD's default.
    const auto interval = parseDuration(mirror.interval).value_or(std::chrono::minutes(15));
    cron_job["spec"] = {
        {"schedule", cronScheduleForInterval(interval, name)},
        // A slow import still running when the next one is due: the next one waits its turn.
        {"concurrencyPolicy", "Forbid"},
        {"successfulJobsHistoryLimit", 1},
        {"failedJobsHistoryLimit", 3},
        {"jobTemplate", mirrorJobTemplate(config, inputs, mirror)},
    };
    cron_jobs.push_back(std::move(cron_job));
  }
  return cron_jobs;
}

}  // namespace registry

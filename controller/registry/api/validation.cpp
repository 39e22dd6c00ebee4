#include "registry/api/validation.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "oci/image_reference.h"
#include "oci/names.h"
#include "registry/api/cron_schedule.h"
#include "registry/api/dns_names.h"
#include "registry/api/duration.h"
#include "registry/api/field_reader.h"
#include "registry/api/htpasswd_user.h"

namespace registry {
namespace {

bool hasWhitespace(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

// A positive Kubernetes quantity in the forms people write for volume sizes: 10Gi, 500M, 1.5Ti.
bool isPositiveQuantity(std::string_view text) {
  std::size_t i = 0;
  bool nonzero = false;
  std::size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    nonzero = nonzero || text[i] != '0';
    ++i;
    ++digits;
  }
  if (digits == 0) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    std::size_t fraction = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      nonzero = nonzero || text[i] != '0';
      ++i;
      ++fraction;
    }
    if (fraction == 0) return false;
  }
  static const std::set<std::string_view> suffixes = {"",  "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
                                                      "k", "M",  "G",  "T",  "P",  "E"};
  return nonzero && suffixes.count(text.substr(i)) != 0;
}

bool isImageTag(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  auto ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!ok(text.front())) return false;
  return std::all_of(text.begin(), text.end(),
                     [&](char c) { return ok(c) || c == '.' || c == '-'; });
}

void checkSecretName(FieldErrors& errors, const std::string& path, const std::string& name) {
  if (!name.empty() && !isDns1123Subdomain(name)) {
    errors.add(path, "\"" + name + "\" is not a valid Secret name (lowercase RFC 1123 subdomain)");
  }
}

void validateMetadata(const RegistryConfig& config, FieldErrors& errors) {
  if (config.name.empty()) {
    errors.add("metadata.name", "is required");
  } else if (!isDns1035Label(config.name) || config.name.size() > kMaxRegistryNameLength) {
    errors.add("metadata.name",
               "must be a lowercase RFC 1035 label (start with a letter) of at most " +
                   std::to_string(kMaxRegistryNameLength) +
                   " characters, because it names the registry's Service and CronJob");
  }
  if (config.namespace_.empty()) errors.add("metadata.namespace", "is required");
}

void validateScheduling(const RegistryConfigSpec& spec, FieldErrors& errors) {
  if (spec.resources.is_object()) {
    for (const char* key : {"limits", "requests"}) {
      if (!spec.resources.contains(key) || spec.resources[key].is_null()) continue;
      const auto& list = spec.resources[key];
      std::string path = std::string("spec.resources.") + key;
      if (!list.is_object()) {
        errors.add(path, "must be an object");
        continue;
      }
      for (const auto& [name, value] : list.items()) {
        if (!value.is_string() && !value.is_number()) {
          errors.add(path + "." + name, "must be a quantity (string or number)");
        }
      }
    }
  }
  for (const auto* list : {&spec.tolerations, &spec.topologySpreadConstraints}) {
    if (!list->is_array()) continue;
    std::string path =
        list == &spec.tolerations ? "spec.tolerations" : "spec.topologySpreadConstraints";
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (!(*list)[i].is_object()) errors.add(indexPath(path, i), "must be an object");
    }
  }
}

void validateStorage(const RegistryConfigSpec& spec, FieldErrors& errors) {
  if (const PvcStorage* pvc = spec.storage.pvc()) {
    if (!pvc->claim.empty() && !isDns1123Subdomain(pvc->claim)) {
      errors.add("spec.storage.pvc.claim", "\"" + pvc->claim + "\" is not a valid claim name");
    }
    if (!isPositiveQuantity(pvc->size)) {
      errors.add("spec.storage.pvc.size",
                 "\"" + pvc->size + "\" is not a positive quantity such as 10Gi");
    }
    if (pvc->storageClassName && !pvc->storageClassName->empty() &&
        !isDns1123Subdomain(*pvc->storageClassName)) {
      errors.add("spec.storage.pvc.storageClassName", "is not a valid StorageClass name");
    }
    if (pvc->accessModes.empty()) {
      errors.add("spec.storage.pvc.accessModes", "must not be empty");
    }
    static const std::set<std::string> allowed = {"ReadWriteOnce", "ReadWriteMany",
                                                  "ReadWriteOncePod"};
    for (std::size_t i = 0; i < pvc->accessModes.size(); ++i) {
      if (allowed.count(pvc->accessModes[i]) == 0) {
        errors.add(indexPath("spec.storage.pvc.accessModes", i),
                   "unsupported value \"" + pvc->accessModes[i] +
                       "\": must be one of ReadWriteOnce, ReadWriteMany, ReadWriteOncePod");
      }
    }
  }
  if (const S3Storage* s3 = spec.storage.s3()) {
    if (s3->bucket.empty()) {
      errors.add("spec.storage.s3.bucket", "is required");
    } else if (s3->bucket.size() < 3 || s3->bucket.size() > 63 || !isDns1123Subdomain(s3->bucket)) {
      errors.add("spec.storage.s3.bucket", "\"" + s3->bucket + "\" is not a valid bucket name");
    }
    if (s3->region.empty()) {
      errors.add("spec.storage.s3.region", "is required");
    } else if (s3->region.size() > 64 || hasWhitespace(s3->region)) {
      errors.add("spec.storage.s3.region", "is not a valid region");
    }
    if (!s3->regionEndpoint.empty() && ((s3->regionEndpoint.rfind("http://", 0) != 0 &&
                                         s3->regionEndpoint.rfind("https://", 0) != 0) ||
                                        hasWhitespace(s3->regionEndpoint))) {
      errors.add("spec.storage.s3.regionEndpoint", "must be an http:// or https:// URL");
    }
    checkSecretName(errors, "spec.storage.s3.credentialsSecret", s3->credentialsSecret);
  }
  // The cross-field rules of the CRD's CEL.
  if (spec.replicas > 1 && !spec.storage.shared()) {
    errors.add("spec.replicas",
               "more than one replica needs shared storage (s3, or pvc with accessModes "
               "ReadWriteMany)");
  }
  if (spec.storage.pvc() != nullptr && !spec.storage.pvc()->shared() &&
      spec.rolloutStrategy != RolloutStrategy::Recreate) {
    errors.add("spec.rolloutStrategy",
               "a ReadWriteOnce claim needs rolloutStrategy Recreate (the new pod cannot mount "
               "the claim while the old one holds it)");
  }
}

void validateRoutes(const RegistryConfigSpec& spec, FieldErrors& errors) {
  if (spec.routes.size() > 16) errors.add("spec.routes", "must have at most 16 items");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < spec.routes.size(); ++i) {
    const RouteSpec& route = spec.routes[i];
    std::string path = indexPath("spec.routes", i);
    if (route.name.empty()) {
      errors.add(path + ".name", "is required");
    } else if (!isDns1123Label(route.name)) {
      errors.add(path + ".name", "\"" + route.name + "\" is not a lowercase RFC 1123 label");
    } else if (route.name == "default-route") {
      errors.add(path + ".name", "\"default-route\" is reserved for spec.defaultRoute");
    } else if (!seen.insert(route.name).second) {
      errors.add(path + ".name", "duplicate route name \"" + route.name + "\"");
    }
    if (!route.hostname.empty() && !isDns1123Subdomain(route.hostname)) {
      errors.add(path + ".hostname", "\"" + route.hostname + "\" is not a valid host name");
    }
    checkSecretName(errors, path + ".secretName", route.secretName);
  }
}

void validateSecurity(const RegistryConfigSpec& spec, FieldErrors& errors) {
  if (spec.tls.mode == TlsMode::Secret && spec.tls.secretName.empty()) {
    errors.add("spec.tls.secretName", "is required when mode is Secret");
  }
  checkSecretName(errors, "spec.tls.secretName", spec.tls.secretName);
  // Two sources of users would leave the administrator guessing which one logs in.
  if (!spec.auth.htpasswdSecret.empty() && !spec.auth.usersSecret.empty()) {
    errors.add("spec.auth.usersSecret", "cannot be set together with htpasswdSecret");
  }
  checkSecretName(errors, "spec.auth.htpasswdSecret", spec.auth.htpasswdSecret);
  checkSecretName(errors, "spec.auth.usersSecret", spec.auth.usersSecret);
  if (spec.auth.initialAdmin == kJobsUser) {
    errors.add("spec.auth.initialAdmin",
               std::string("\"") + kJobsUser + "\" is reserved for the operator's jobs");
  } else if (!isHtpasswdUserName(spec.auth.initialAdmin)) {
    errors.add("spec.auth.initialAdmin",
               quotedForMessage(spec.auth.initialAdmin) +
                   " is not an htpasswd user name (1 to 253 letters, digits, '.', '_', '@', '+' "
                   "or '-')");
  }
  // distribution's htpasswd access controller has no anonymous access, and with type None
  // everyone pulls anyway: accepted elsewhere, the flag would be ignored.
  if (spec.auth.anonymousPull && spec.auth.type != AuthType::Kubernetes) {
    errors.add("spec.auth.anonymousPull", "is only supported with type Kubernetes");
  }
  checkSecretName(errors, "spec.configBundleSecret", spec.configBundleSecret);
}

void validatePruning(const PruningSpec& pruning, FieldErrors& errors) {
  if (auto problem = cronScheduleProblem(pruning.schedule)) {
    errors.add("spec.pruning.schedule", "\"" + pruning.schedule + "\" " + *problem);
  }
  if (!parseDuration(pruning.keepYoungerThan)) {
    errors.add("spec.pruning.keepYoungerThan",
               "\"" + pruning.keepYoungerThan + "\" is not a duration such as 60m or 1h30m");
  }
  auto non_negative = [&](const char* field, std::int64_t value) {
    if (value < 0 || value > 2147483647) {
      errors.add(std::string("spec.pruning.") + field, "must be between 0 and 2147483647");
    }
  };
  non_negative("keepTagRevisions", pruning.keepTagRevisions);
  non_negative("successfulJobsHistoryLimit", pruning.successfulJobsHistoryLimit);
  non_negative("failedJobsHistoryLimit", pruning.failedJobsHistoryLimit);
}

void validateMirrors(const RegistryConfig& config, FieldErrors& errors) {
  const std::vector<MirrorSpec>& mirrors = config.spec.mirrors;
  if (mirrors.size() > 32) errors.add("spec.mirrors", "must have at most 32 items");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < mirrors.size(); ++i) {
    const MirrorSpec& mirror = mirrors[i];
    std::string path = indexPath("spec.mirrors", i);
    if (mirror.name.empty()) {
      errors.add(path + ".name", "is required");
    } else if (!isDns1123Label(mirror.name)) {
      errors.add(path + ".name", "\"" + mirror.name + "\" is not a lowercase RFC 1123 label");
    } else if (!seen.insert(mirror.name).second) {
      errors.add(path + ".name", "duplicate mirror name \"" + mirror.name + "\"");
    } else if (config.name.size() + std::string_view("-mirror-").size() + mirror.name.size() >
               kMaxCronJobNameLength) {
      // The CRD cannot check this: its rules do not see metadata.name.
      errors.add(path + ".name", "\"" + mirror.name + "\" makes the CronJob name " + config.name +
                                     "-mirror-" + mirror.name + " longer than " +
                                     std::to_string(kMaxCronJobNameLength) + " characters");
    }
    if (mirror.source.empty()) {
      errors.add(path + ".source", "is required");
    } else if (auto reference = oci::parseImageReference(mirror.source); !reference) {
      errors.add(path + ".source", reference.error().message());
    }
    for (std::size_t t = 0; t < mirror.tags.size(); ++t) {
      if (!isImageTag(mirror.tags[t])) {
        errors.add(indexPath(path + ".tags", t), "\"" + mirror.tags[t] + "\" is not a valid tag");
      }
    }
    if (!parseDuration(mirror.interval)) {
      errors.add(path + ".interval",
                 "\"" + mirror.interval + "\" is not a duration such as 15m or 1h30m");
    }
    checkSecretName(errors, path + ".pullSecret", mirror.pullSecret);
    checkSecretName(errors, path + ".caSecret", mirror.caSecret);
    if (!mirror.target.empty() && !oci::isValidRepositoryName(mirror.target)) {
      errors.add(path + ".target", "\"" + mirror.target +
                                       "\" is not a repository name (lowercase path components "
                                       "such as team/app)");
    }
    if (mirror.insecure && !mirror.caSecret.empty()) {
      errors.add(path + ".caSecret", "is meaningless with insecure: true (plain HTTP)");
    }
  }
}

// The CRD's bounds and CEL rule, and the storage rule of spec.replicas for the most pods the
// HorizontalPodAutoscaler may ask for.
void validateAutoscaling(const RegistryConfigSpec& spec, FieldErrors& errors) {
  const AutoscalingSpec& autoscaling = spec.autoscaling;
  if (autoscaling.minReplicas < 1) errors.add("spec.autoscaling.minReplicas", "must be >= 1");
  if (autoscaling.maxReplicas < 1 || autoscaling.maxReplicas > 100) {
    errors.add("spec.autoscaling.maxReplicas", "must be between 1 and 100");
  } else if (autoscaling.maxReplicas < autoscaling.minReplicas) {
    errors.add("spec.autoscaling.maxReplicas", "must be at least minReplicas");
  }
  if (autoscaling.targetCPUUtilizationPercentage < 1 ||
      autoscaling.targetCPUUtilizationPercentage > 1000) {
    errors.add("spec.autoscaling.targetCPUUtilizationPercentage", "must be between 1 and 1000");
  }
  if (spec.managed(ComponentKind::Autoscaling) && autoscaling.maxReplicas > 1 &&
      !spec.storage.shared()) {
    errors.add("spec.autoscaling.maxReplicas",
               "more than one replica needs shared storage (s3, or pvc with accessModes "
               "ReadWriteMany)");
  }
}

}  // namespace

void validateRegistryConfig(const RegistryConfig& config, FieldErrors& errors) {
  const RegistryConfigSpec& spec = config.spec;
  validateMetadata(config, errors);
  if (!spec.image.empty() && (hasWhitespace(spec.image) || spec.image.size() > 512)) {
    errors.add("spec.image", "is not a valid image reference");
  }
  if (spec.replicas < 0) errors.add("spec.replicas", "must be >= 0");
  for (const auto& [key, value] : spec.nodeSelector) {
    if (key.empty() || value.size() > 63) {
      errors.add("spec.nodeSelector." + key, "is not a valid label selector entry");
    }
  }
  validateScheduling(spec, errors);
  for (const auto& [field, value] :
       {std::pair{"http", &spec.proxy.http}, std::pair{"https", &spec.proxy.https},
        std::pair{"noProxy", &spec.proxy.noProxy}}) {
    if (hasWhitespace(*value)) {
      errors.add(std::string("spec.proxy.") + field, "must not contain whitespace");
    }
  }
  validateStorage(spec, errors);
  validateRoutes(spec, errors);
  validateSecurity(spec, errors);
  validatePruning(spec.pruning, errors);
  validateMirrors(config, errors);
  validateAutoscaling(spec, errors);
}

}  // namespace registry

#include "registry/api/registry_config.h"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "registry/api/field_reader.h"
#include "registry/api/validation.h"

namespace registry {
namespace {

constexpr std::pair<ManagementState, std::string_view> kManagementStates[] = {
    {ManagementState::Managed, "Managed"},
    {ManagementState::Unmanaged, "Unmanaged"},
    {ManagementState::Removed, "Removed"}};
constexpr std::pair<LogLevel, std::string_view> kLogLevels[] = {{LogLevel::Normal, "Normal"},
                                                                {LogLevel::Debug, "Debug"},
                                                                {LogLevel::Trace, "Trace"},
                                                                {LogLevel::TraceAll, "TraceAll"}};
constexpr std::pair<RolloutStrategy, std::string_view> kRolloutStrategies[] = {
    {RolloutStrategy::RollingUpdate, "RollingUpdate"}, {RolloutStrategy::Recreate, "Recreate"}};
constexpr std::pair<TlsMode, std::string_view> kTlsModes[] = {
    {TlsMode::Auto, "Auto"}, {TlsMode::Secret, "Secret"}, {TlsMode::Disabled, "Disabled"}};
constexpr std::pair<AuthType, std::string_view> kAuthTypes[] = {
    {AuthType::None, "None"},
    {AuthType::Htpasswd, "Htpasswd"},
    {AuthType::Kubernetes, "Kubernetes"}};
constexpr std::pair<ComponentKind, std::string_view> kComponentKinds[] = {
    {ComponentKind::Pruner, "pruner"},
    {ComponentKind::NodeCA, "nodeCA"},
    {ComponentKind::NodeResolver, "nodeResolver"},
    {ComponentKind::Monitoring, "monitoring"},
    {ComponentKind::PodDisruptionBudget, "podDisruptionBudget"},
    {ComponentKind::Autoscaling, "autoscaling"},
    {ComponentKind::Mirror, "mirror"}};

template <class E, std::size_t N>
std::string_view nameOf(const std::pair<E, std::string_view> (&table)[N], E value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "";
}

template <class E, std::size_t N>
std::string allowedNames(const std::pair<E, std::string_view> (&table)[N]) {
  std::string text;
  for (const auto& entry : table) {
    if (!text.empty()) text += ", ";
    text += entry.second;
  }
  return text;
}

// Reads an enum member; unknown spellings are errors listing what is allowed.
template <class E, std::size_t N>
void readEnum(FieldReader& reader, const kube::Json& parent, std::string_view key,
              const std::string& path, const std::pair<E, std::string_view> (&table)[N], E& out) {
  auto text = reader.string(parent, key, path);
  if (!text) return;
  for (const auto& [value, name] : table) {
    if (name == *text) {
      out = value;
      return;
    }
  }
  reader.errors().add(childPath(path, key),
                      "unsupported value \"" + *text + "\": must be one of " + allowedNames(table));
}

void readString(FieldReader& reader, const kube::Json& parent, std::string_view key,
                const std::string& path, std::string& out) {
  if (auto value = reader.string(parent, key, path)) out = std::move(*value);
}

void readBool(FieldReader& reader, const kube::Json& parent, std::string_view key,
              const std::string& path, bool& out) {
  if (auto value = reader.boolean(parent, key, path)) out = *value;
}

template <class Int>
void readInt(FieldReader& reader, const kube::Json& parent, std::string_view key,
             const std::string& path, Int& out) {
  auto value = reader.integer(parent, key, path);
  if (!value) return;
  if (*value < std::numeric_limits<Int>::min() || *value > std::numeric_limits<Int>::max()) {
    reader.errors().add(childPath(path, key), "is out of range");
    return;
  }
  out = static_cast<Int>(*value);
}

// Pass-through Kubernetes fields keep their JSON once their outer type is right.
void readObjectJson(FieldReader& reader, const kube::Json& parent, std::string_view key,
                    const std::string& path, kube::Json& out) {
  if (const kube::Json* value = reader.object(parent, key, path)) out = *value;
}

void readArrayJson(FieldReader& reader, const kube::Json& parent, std::string_view key,
                   const std::string& path, kube::Json& out) {
  if (const kube::Json* value = reader.array(parent, key, path)) out = *value;
}

void readStringList(FieldReader& reader, const kube::Json& parent, std::string_view key,
                    const std::string& path, std::vector<std::string>& out) {
  const kube::Json* list = reader.array(parent, key, path);
  if (list == nullptr) return;
  out.clear();
  std::string list_path = childPath(path, key);
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (!(*list)[i].is_string()) {
      reader.errors().add(indexPath(list_path, i), "must be a string");
      continue;
    }
    out.push_back((*list)[i].get<std::string>());
  }
}

void readStringMap(FieldReader& reader, const kube::Json& parent, std::string_view key,
                   const std::string& path, std::map<std::string, std::string>& out) {
  const kube::Json* map = reader.object(parent, key, path);
  if (map == nullptr) return;
  std::string map_path = childPath(path, key);
  for (const auto& [entry_key, value] : map->items()) {
    if (!value.is_string()) {
      reader.errors().add(childPath(map_path, entry_key), "must be a string");
      continue;
    }
    out[entry_key] = value.get<std::string>();
  }
}

void parseStorage(FieldReader& reader, const kube::Json& spec, StorageSpec& storage) {
  const std::string path = "spec.storage";
  const kube::Json* object = reader.object(spec, "storage", "spec");
  if (object == nullptr) {
    if (!spec.contains("storage") || spec["storage"].is_null()) {
      reader.errors().add(path, "exactly one of emptyDir, pvc, s3 must be set");
    }
    return;
  }
  readBool(reader, *object, "deleteOnRemove", path, storage.deleteOnRemove);

  int kinds = 0;
  for (const char* key : {"emptyDir", "pvc", "s3"}) {
    if (object->contains(key) && !(*object)[key].is_null()) ++kinds;
  }
  if (kinds != 1) {
    reader.errors().add(path, "exactly one of emptyDir, pvc, s3 must be set");
    return;
  }
  if (object->contains("emptyDir") && !(*object)["emptyDir"].is_null()) {
    reader.object(*object, "emptyDir", path);
    storage.backend = EmptyDirStorage{};
  } else if (const kube::Json* pvc = reader.object(*object, "pvc", path)) {
    PvcStorage claim;
    const std::string pvc_path = path + ".pvc";
    readString(reader, *pvc, "claim", pvc_path, claim.claim);
    readString(reader, *pvc, "size", pvc_path, claim.size);
    if (auto value = reader.string(*pvc, "storageClassName", pvc_path)) {
      claim.storageClassName = std::move(*value);
    }
    readStringList(reader, *pvc, "accessModes", pvc_path, claim.accessModes);
    storage.backend = std::move(claim);
  } else if (const kube::Json* s3 = reader.object(*object, "s3", path)) {
    S3Storage bucket;
    const std::string s3_path = path + ".s3";
    readString(reader, *s3, "bucket", s3_path, bucket.bucket);
    readString(reader, *s3, "region", s3_path, bucket.region);
    readString(reader, *s3, "regionEndpoint", s3_path, bucket.regionEndpoint);
    readString(reader, *s3, "credentialsSecret", s3_path, bucket.credentialsSecret);
    readBool(reader, *s3, "encrypt", s3_path, bucket.encrypt);
    readBool(reader, *s3, "virtualHostedStyle", s3_path, bucket.virtualHostedStyle);
    storage.backend = std::move(bucket);
  }
}

void parseRoutes(FieldReader& reader, const kube::Json& spec, std::vector<RouteSpec>& routes) {
  const kube::Json* list = reader.array(spec, "routes", "spec");
  if (list == nullptr) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = indexPath("spec.routes", i);
    const kube::Json& item = (*list)[i];
    if (!item.is_object()) {
      reader.errors().add(path, "must be an object");
      continue;
    }
    RouteSpec route;
    readString(reader, item, "name", path, route.name);
    readString(reader, item, "hostname", path, route.hostname);
    readString(reader, item, "secretName", path, route.secretName);
    routes.push_back(std::move(route));
  }
}

void parsePruning(FieldReader& reader, const kube::Json& spec, PruningSpec& pruning) {
  const std::string path = "spec.pruning";
  const kube::Json* object = reader.object(spec, "pruning", "spec");
  if (object == nullptr) return;
  readString(reader, *object, "schedule", path, pruning.schedule);
  readBool(reader, *object, "suspend", path, pruning.suspend);
  readInt(reader, *object, "keepTagRevisions", path, pruning.keepTagRevisions);
  readString(reader, *object, "keepYoungerThan", path, pruning.keepYoungerThan);
  readInt(reader, *object, "successfulJobsHistoryLimit", path, pruning.successfulJobsHistoryLimit);
  readInt(reader, *object, "failedJobsHistoryLimit", path, pruning.failedJobsHistoryLimit);
  readBool(reader, *object, "garbageCollect", path, pruning.garbageCollect);
}

void parseMirrors(FieldReader& reader, const kube::Json& spec, std::vector<MirrorSpec>& mirrors) {
  const kube::Json* list = reader.array(spec, "mirrors", "spec");
  if (list == nullptr) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = indexPath("spec.mirrors", i);
    const kube::Json& item = (*list)[i];
    if (!item.is_object()) {
      reader.errors().add(path, "must be an object");
      continue;
    }
    MirrorSpec mirror;
    readString(reader, item, "name", path, mirror.name);
    readString(reader, item, "source", path, mirror.source);
    readStringList(reader, item, "tags", path, mirror.tags);
    readString(reader, item, "interval", path, mirror.interval);
    readString(reader, item, "pullSecret", path, mirror.pullSecret);
    readString(reader, item, "target", path, mirror.target);
    readString(reader, item, "caSecret", path, mirror.caSecret);
    readBool(reader, item, "insecure", path, mirror.insecure);
    mirrors.push_back(std::move(mirror));
  }
}

void parseComponents(FieldReader& reader, const kube::Json& spec,
                     std::map<ComponentKind, bool>& components) {
  const kube::Json* list = reader.array(spec, "components", "spec");
  if (list == nullptr) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = indexPath("spec.components", i);
    const kube::Json& item = (*list)[i];
    if (!item.is_object()) {
      reader.errors().add(path, "must be an object");
      continue;
    }
    auto kind_name = reader.string(item, "kind", path);
    auto managed = reader.boolean(item, "managed", path);
    if (!kind_name) {
      if (!item.contains("kind") || item["kind"].is_null()) {
        reader.errors().add(path + ".kind", "is required");
      }
      continue;
    }
    if (!managed) {
      if (!item.contains("managed") || item["managed"].is_null()) {
        reader.errors().add(path + ".managed", "is required");
      }
      continue;
    }
    ComponentKind kind{};
    bool known = false;
    for (const auto& [value, name] : kComponentKinds) {
      if (name == *kind_name) {
        kind = value;
        known = true;
      }
    }
    if (!known) {
      reader.errors().add(path + ".kind", "unsupported value \"" + *kind_name +
                                              "\": must be one of " +
                                              allowedNames(kComponentKinds));
      continue;
    }
    if (components.count(kind) != 0) {
      reader.errors().add(path + ".kind", "duplicate component \"" + *kind_name + "\"");
      continue;
    }
    components[kind] = *managed;
  }
}

void parseSpec(FieldReader& reader, const kube::Json& spec, RegistryConfigSpec& out) {
  const std::string path = "spec";
  readEnum(reader, spec, "managementState", path, kManagementStates, out.managementState);
  readString(reader, spec, "image", path, out.image);
  readInt(reader, spec, "replicas", path, out.replicas);
  if (const kube::Json* autoscaling = reader.object(spec, "autoscaling", path)) {
    const std::string at = "spec.autoscaling";
    readInt(reader, *autoscaling, "minReplicas", at, out.autoscaling.minReplicas);
    readInt(reader, *autoscaling, "maxReplicas", at, out.autoscaling.maxReplicas);
    readInt(reader, *autoscaling, "targetCPUUtilizationPercentage", at,
            out.autoscaling.targetCPUUtilizationPercentage);
  }
  readEnum(reader, spec, "logLevel", path, kLogLevels, out.logLevel);
  readObjectJson(reader, spec, "resources", path, out.resources);
  readStringMap(reader, spec, "nodeSelector", path, out.nodeSelector);
  readArrayJson(reader, spec, "tolerations", path, out.tolerations);
  readObjectJson(reader, spec, "affinity", path, out.affinity);
  readArrayJson(reader, spec, "topologySpreadConstraints", path, out.topologySpreadConstraints);
  readEnum(reader, spec, "rolloutStrategy", path, kRolloutStrategies, out.rolloutStrategy);
  if (const kube::Json* proxy = reader.object(spec, "proxy", path)) {
    readString(reader, *proxy, "http", "spec.proxy", out.proxy.http);
    readString(reader, *proxy, "https", "spec.proxy", out.proxy.https);
    readString(reader, *proxy, "noProxy", "spec.proxy", out.proxy.noProxy);
  }
  readBool(reader, spec, "readOnly", path, out.readOnly);
  readBool(reader, spec, "disableRedirect", path, out.disableRedirect);
  readString(reader, spec, "httpSecret", path, out.httpSecret);
  parseStorage(reader, spec, out.storage);
  readBool(reader, spec, "defaultRoute", path, out.defaultRoute);
  parseRoutes(reader, spec, out.routes);
  if (const kube::Json* tls = reader.object(spec, "tls", path)) {
    readEnum(reader, *tls, "mode", "spec.tls", kTlsModes, out.tls.mode);
    readString(reader, *tls, "secretName", "spec.tls", out.tls.secretName);
  }
  if (const kube::Json* auth = reader.object(spec, "auth", path)) {
    readEnum(reader, *auth, "type", "spec.auth", kAuthTypes, out.auth.type);
    readString(reader, *auth, "htpasswdSecret", "spec.auth", out.auth.htpasswdSecret);
    readString(reader, *auth, "usersSecret", "spec.auth", out.auth.usersSecret);
    readString(reader, *auth, "initialAdmin", "spec.auth", out.auth.initialAdmin);
    readBool(reader, *auth, "anonymousPull", "spec.auth", out.auth.anonymousPull);
  }
  readString(reader, spec, "configBundleSecret", path, out.configBundleSecret);
  parsePruning(reader, spec, out.pruning);
  parseMirrors(reader, spec, out.mirrors);
  parseComponents(reader, spec, out.components);
}

void parseMetadata(FieldReader& reader, const kube::Json& cr, RegistryConfig& out) {
  const kube::Json* metadata = reader.object(cr, "metadata", "");
  if (metadata == nullptr) {
    if (!cr.contains("metadata") || cr["metadata"].is_null()) {
      reader.errors().add("metadata", "is required");
    }
    return;
  }
  readString(reader, *metadata, "name", "metadata", out.name);
  readString(reader, *metadata, "namespace", "metadata", out.namespace_);
  readString(reader, *metadata, "uid", "metadata", out.uid);
  readInt(reader, *metadata, "generation", "metadata", out.generation);
}

}  // namespace

bool PvcStorage::shared() const {
  return std::find(accessModes.begin(), accessModes.end(), "ReadWriteMany") != accessModes.end();
}

bool StorageSpec::shared() const {
  if (s3() != nullptr) return true;
  return pvc() != nullptr && pvc()->shared();
}

bool StorageSpec::managedClaim() const { return pvc() != nullptr && pvc()->claim.empty(); }

bool componentManagedByDefault(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::Pruner:
    case ComponentKind::PodDisruptionBudget:
    case ComponentKind::Mirror:
      return true;
    case ComponentKind::NodeCA:
    case ComponentKind::NodeResolver:
    case ComponentKind::Monitoring:
    case ComponentKind::Autoscaling:
      return false;
  }
  return false;
}

bool RegistryConfigSpec::managed(ComponentKind kind) const {
  auto it = components.find(kind);
  return it != components.end() ? it->second : componentManagedByDefault(kind);
}

std::string_view toString(ManagementState value) { return nameOf(kManagementStates, value); }
std::string_view toString(LogLevel value) { return nameOf(kLogLevels, value); }
std::string_view toString(RolloutStrategy value) { return nameOf(kRolloutStrategies, value); }
std::string_view toString(TlsMode value) { return nameOf(kTlsModes, value); }
std::string_view toString(AuthType value) { return nameOf(kAuthTypes, value); }
std::string_view toString(ComponentKind value) { return nameOf(kComponentKinds, value); }

kube::Result<RegistryConfig> parseRegistryConfig(const kube::Json& cr) {
  FieldErrors errors;
  if (!cr.is_object()) {
    errors.add("RegistryConfig", "must be an object");
    return errors.toError();
  }
  FieldReader reader(errors);
  RegistryConfig config;
  parseMetadata(reader, cr, config);

  const kube::Json* spec = reader.object(cr, "spec", "");
  static const kube::Json kEmptySpec = kube::Json::object();
  if (spec == nullptr && cr.contains("spec") && !cr["spec"].is_null()) {
    // A spec of the wrong type: nothing below it can be read meaningfully.
    return errors.toError();
  }
  parseSpec(reader, spec != nullptr ? *spec : kEmptySpec, config.spec);

  validateRegistryConfig(config, errors);
  if (!errors.empty()) return errors.toError();
  return config;
}

}  // namespace registry

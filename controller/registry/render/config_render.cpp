#include "registry/render/config_render.h"

#include <array>
#include <string_view>

#include "kube/yaml_json.h"
#include "registry/render/hostnames.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"

namespace registry {
namespace {

constexpr std::array<std::string_view, 7> kStorageDrivers = {"filesystem", "s3",  "azure",   "gcs",
                                                             "swift",      "oss", "inmemory"};

std::string_view distributionLogLevel(LogLevel level) {
  // distribution has no level below debug; Trace and TraceAll still mean "as much as it has".
  return level == LogLevel::Normal ? "info" : "debug";
}

kube::Json renderStorage(const RegistryConfig& config) {
  const RegistryConfigSpec& spec = config.spec;
  kube::Json storage = kube::Json::object();
  if (const S3Storage* s3 = spec.storage.s3()) {
    // Credentials come from the environment (REGISTRY_STORAGE_S3_ACCESSKEY/SECRETKEY, set from
    // the credentials Secret) so that they never appear in the config Secret.
    kube::Json driver = {{"bucket", s3->bucket}, {"region", s3->region}, {"encrypt", s3->encrypt}};
    if (!s3->regionEndpoint.empty()) driver["regionendpoint"] = s3->regionEndpoint;
    if (s3->virtualHostedStyle) driver["virtualhostedstyle"] = true;
    storage["s3"] = std::move(driver);
  } else {
    storage["filesystem"] = {{"rootdirectory", kStorageDir}};
  }
  // Deleting by digest is how the pruner removes images.
  storage["delete"] = {{"enabled", true}};
  storage["cache"] = {{"blobdescriptor", "inmemory"}};
  storage["maintenance"] = {{"readonly", {{"enabled", spec.readOnly}}}};
  storage["redirect"] = {{"disable", spec.disableRedirect}};
  return storage;
}

kube::Json renderHttp(const RegistryConfig& config, const Inputs& inputs) {
  kube::Json http = {{"addr", ":" + std::to_string(kRegistryPort)},
                     {"secret", effectiveHttpSecret(config, inputs)},
                     {"headers", {{"X-Content-Type-Options", kube::Json::array({"nosniff"})}}}};
  if (config.spec.tls.enabled()) {
    http["tls"] = {{"certificate", std::string(kTlsDir) + "/" + kTlsCertKey},
                   {"key", std::string(kTlsDir) + "/" + kTlsKeyKey}};
  }
  // The debug listener serves /debug/health (probes, when /v2/ answers 401) and metrics.
  bool monitoring = config.spec.managed(ComponentKind::Monitoring);
  if (config.spec.auth.type != AuthType::None || monitoring) {
    http["debug"] = {{"addr", ":" + std::to_string(kDebugPort)}};
    if (monitoring) http["debug"]["prometheus"] = {{"enabled", true}, {"path", "/metrics"}};
  }
  return http;
}

kube::Json renderAuth(const RegistryConfig& config, const Inputs& inputs) {
  const AuthSpec& auth = config.spec.auth;
  if (auth.type == AuthType::Htpasswd) {
    return {{"htpasswd",
             {{"realm", "registry"}, {"path", std::string(kConfigDir) + "/" + kHtpasswdKey}}}};
  }
  // Kubernetes: tokens come from `registry-operator auth-server` beside the registry, which
  // answers on the registry's public host when it has one (path /auth of its Ingress or Route),
  // so that clients outside the cluster can reach it, else on port "auth" of Service N.
  auto external = knownExternalHostnames(config, inputs.platform);
  std::string realm;
  if (!external.empty()) {
    realm = "https://" + external.front() + kAuthTokenPath;
  } else {
    realm = std::string(config.spec.tls.enabled() ? "https://" : "http://") + config.name + "." +
            config.namespace_ + ".svc:" + std::to_string(kAuthPort) + kAuthTokenPath;
  }
  return {{"token",
           {{"realm", realm},
            {"service", internalHostname(config)},
            {"issuer", kManagedBy},
            {"rootcertbundle", std::string(kConfigDir) + "/" + kTokenCertKey}}}};
}

}  // namespace

const std::string& effectiveHttpSecret(const RegistryConfig& config, const Inputs& inputs) {
  return config.spec.httpSecret.empty() ? inputs.httpSecret : config.spec.httpSecret;
}

kube::Json renderBaseConfig(const RegistryConfig& config, const Inputs& inputs) {
  kube::Json rendered = {
      {"version", "0.1"},
      {"log",
       {{"level", distributionLogLevel(config.spec.logLevel)},
        {"fields", {{"service", "registry"}}}}},
      {"storage", renderStorage(config)},
      {"http", renderHttp(config, inputs)},
      {"health", {{"storagedriver", {{"enabled", true}, {"interval", "10s"}, {"threshold", 3}}}}},
  };
  if (config.spec.auth.type != AuthType::None) rendered["auth"] = renderAuth(config, inputs);
  return rendered;
}

kube::Result<kube::Json> mergeConfigBundle(const kube::Json& base, const std::string& bundle,
                                           const std::string& key) {
  const std::string bundle_key = key.empty() ? kBundleConfigKey : key;
  auto parsed = kube::yamlToJson(bundle);
  if (!parsed.ok()) {
    return kube::Error(kube::ErrorKind::Invalid,
                       "spec.configBundleSecret: " + bundle_key + ": " + parsed.error().message(),
                       0, "InvalidSpec");
  }
  const kube::Json& overlay = parsed.value();
  if (overlay.is_null()) return base;  // an empty bundle changes nothing
  if (!overlay.is_object()) {
    return kube::Error(kube::ErrorKind::Invalid,
                       "spec.configBundleSecret: " + bundle_key +
                           " must be a YAML mapping (like the registry's config.yml)",
                       0, "InvalidSpec");
  }
  kube::Json merged = base;
  auto storage = overlay.find("storage");
  if (storage != overlay.end() && storage->is_object() && merged.contains("storage")) {
    bool names_driver = false;
    for (auto driver : kStorageDrivers) names_driver = names_driver || storage->contains(driver);
    if (names_driver) {
      for (auto driver : kStorageDrivers) merged["storage"].erase(std::string(driver));
    }
  }
  // RFC 7386 JSON merge patch: maps merge key by key, scalars and lists replace, null deletes
  // (so a bundle can switch off a rendered section, e.g. `http: {headers: null}`), also inside
  // a subtree the base does not have.
  merged.merge_patch(overlay);
  return merged;
}

kube::Result<kube::Json> renderConfig(const RegistryConfig& config, const Inputs& inputs) {
  kube::Json base = renderBaseConfig(config, inputs);
  if (!inputs.configBundle) return base;
  return mergeConfigBundle(base, *inputs.configBundle, inputs.configBundleKey);
}

}  // namespace registry

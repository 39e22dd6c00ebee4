#include "registry/reconcile/gather_inputs.h"

#include <tuple>

#include "kube/api.h"
#include "kube/base64.h"
#include "registry/render/config_bundle.h"
#include "registry/render/config_render.h"
#include "registry/render/feature_support.h"
#include "registry/render/hostnames.h"
#include "registry/render/http_secret.h"
#include "registry/render/object_names.h"
#include "registry/render/tls_issuer.h"

namespace registry {

namespace {

// Long, like the operator's CA: nothing outside the pod holds the key or needs to trust it anew.
constexpr std::chrono::seconds kTokenSigningValidity = std::chrono::hours(24 * 365 * 10);

// The serving certificate, key and CA of a kubernetes.io/tls Secret (absent keys read as "").
TlsMaterial tlsMaterialOf(const kube::Json& secret) {
  TlsMaterial material;
  material.certPem = secretValue(secret, kTlsCertKey).value_or("");
  material.keyPem = secretValue(secret, kTlsKeyKey).value_or("");
  material.caPem = secretValue(secret, kCaKey).value_or("");
  return material;
}

kube::Result<std::optional<kube::Json>> readThrough(const kube::ClientPtr& client,
                                                    const std::optional<kube::CancelToken>& cancel,
                                                    const runtime::StorePtr& store,
                                                    const kube::Resource& resource,
                                                    const std::string& ns,
                                                    const std::string& name) {
  if (store) {
    if (auto cached = store->get(ns, name)) return std::optional<kube::Json>(*cached);
  }
  kube::Api api(client, resource, ns);
  return kube::ignoreNotFound((cancel ? api.withCancel(*cancel) : api).get(name));
}

std::string secretRef(const std::string& field, const std::string& name) {
  return field + ": Secret \"" + name + "\"";
}

// The user's Secret `name`, key `key`: its value, or a Problem naming the field.
kube::Result<std::optional<std::string>> userSecretValue(
    const ObjectSource& source, const std::string& ns, const std::string& name,
    const std::string& key, const std::string& field, const std::string& reason,
    std::vector<Problem>& problems) {
  auto secret = source.secret(ns, name);
  if (!secret) return secret.error();
  if (!*secret) {
    problems.push_back({reason, secretRef(field, name) + " not found in namespace " + ns});
    return std::optional<std::string>();
  }
  auto value = secretValue(**secret, key);
  if (!value) {
    problems.push_back({reason, secretRef(field, name) + " has no valid key \"" + key + "\""});
  }
  return value;
}

kube::Result<std::string> httpSecretFor(const RegistryConfig& config, const ObjectSource& source) {
  if (!config.spec.httpSecret.empty()) return std::string();  // the builders use the spec's
  auto stored = source.secret(config.namespace_, privateSecretName(config));
  if (!stored) return stored.error();
  if (*stored) {
    if (auto value = secretValue(**stored, kHttpSecretKey); value && !value->empty()) return *value;
  }
  // The cache may lag a write made a moment ago: ask the API server before generating, or two
  // reconciles could flip between two secrets and roll the pods each time.
  auto live = source.liveSecret(config.namespace_, privateSecretName(config));
  if (!live) return live.error();
  if (*live) {
    if (auto value = secretValue(**live, kHttpSecretKey); value && !value->empty()) return *value;
  }
  return generateHttpSecret();
}

// What N-ca-key and N-tls hold, read from the cache or (live) from the API server.
kube::Result<StoredTls> storedTls(const RegistryConfig& config, const ObjectSource& source,
                                  bool live) {
  auto read = [&](const std::string& name) {
    return live ? source.liveSecret(config.namespace_, name)
                : source.secret(config.namespace_, name);
  };
  StoredTls stored;
  auto ca = read(caKeySecretName(config));
  if (!ca) return ca.error();
  if (*ca) {
    stored.ca.certPem = secretValue(**ca, kCaKey).value_or("");
    stored.ca.keyPem = secretValue(**ca, kCaKeyKey).value_or("");
    stored.ca.previousCertPem = secretValue(**ca, kPreviousCaKey).value_or("");
    stored.ca.nextCertPem = secretValue(**ca, kNextCaKey).value_or("");
    stored.ca.nextKeyPem = secretValue(**ca, kNextCaKeyKey).value_or("");
  }
  auto tls = read(tlsSecretName(config));
  if (!tls) return tls.error();
  if (*tls) stored.serving = tlsMaterialOf(**tls);
  return stored;
}

// True when `decision` keeps what is stored byte for byte (nothing to write).
bool keepsStored(const TlsDecision& decision, const StoredTls& stored) {
  return decision.action == TlsAction::Reuse &&
         decision.previousCaPem == stored.ca.previousCertPem &&
         decision.keepsNextCa == stored.ca.hasNext() &&
         (stored.ca.certPem.empty() || stored.serving.caPem == stored.ca.certPem);
}

// Operator-issued TLS (mode Auto on Kubernetes), see tls_issuer.h.
kube::Result<TlsOutcome> issuedTlsFor(const RegistryConfig& config, const ObjectSource& source,
                                      std::chrono::system_clock::time_point now,
                                      const TlsPolicy& policy) {
  const std::vector<std::string> names = registryDnsNames(config);
  auto cached = storedTls(config, source, false);
  if (!cached) return cached.error();
  if (keepsStored(decideTls(*cached, names, now, policy), *cached)) {
    return ensureTls(*cached, names, now, policy);
  }
  // Before issuing or changing anything, decide again on the API server's copies: the cache
  // may lag a write made a moment ago, and deciding on the stale copy would issue a second CA
  // or certificate and roll the pods for nothing.
  auto live = storedTls(config, source, true);
  if (!live) return live.error();
  return ensureTls(*live, names, now, policy);
}

// What N-token-signing holds (absent keys read as "").
CaMaterial signingKeyOf(const kube::Json& secret) {
  CaMaterial material;
  material.certPem = secretValue(secret, kSigningCertKey).value_or("");
  material.keyPem = secretValue(secret, kSigningKeyKey).value_or("");
  return material;
}

// Auth type Kubernetes: the token service's signing key, kept in N-token-signing while it is
// sound, else a new one (a new key rolls the pods through the config hash, and tokens signed by
// the old one, which live minutes, are refused from then on).
kube::Result<CaMaterial> tokenSigningFor(const RegistryConfig& config, const ObjectSource& source,
                                         std::chrono::system_clock::time_point now) {
  for (bool live : {false, true}) {
    // The cache may lag a write made a moment ago: ask the API server before issuing a key.
    auto stored = live ? source.liveSecret(config.namespace_, tokenSigningSecretName(config))
                       : source.secret(config.namespace_, tokenSigningSecretName(config));
    if (!stored) return stored.error();
    if (!*stored) continue;
    CaMaterial material = signingKeyOf(**stored);
    if (!signingKeyProblem(material, now)) return material;
  }
  return issueCa(now, kTokenSigningValidity);
}

}  // namespace

ObjectSource::ObjectSource(kube::ClientPtr client, runtime::StorePtr secrets,
                           runtime::StorePtr config_maps, std::optional<kube::CancelToken> cancel)
    : client_(std::move(client)),
      secrets_(std::move(secrets)),
      config_maps_(std::move(config_maps)),
      cancel_(std::move(cancel)) {}

kube::Result<std::optional<kube::Json>> ObjectSource::secret(const std::string& ns,
                                                             const std::string& name) const {
  return readThrough(client_, cancel_, secrets_, kube::resources::secrets(), ns, name);
}

kube::Result<std::optional<kube::Json>> ObjectSource::liveSecret(const std::string& ns,
                                                                 const std::string& name) const {
  return readThrough(client_, cancel_, nullptr, kube::resources::secrets(), ns, name);
}

kube::Result<std::optional<kube::Json>> ObjectSource::configMap(const std::string& ns,
                                                                const std::string& name) const {
  return readThrough(client_, cancel_, config_maps_, kube::resources::configMaps(), ns, name);
}

std::optional<std::string> secretValue(const kube::Json& secret, const std::string& key) {
  const kube::Json& data = kube::at(secret, "/data");
  if (!data.is_object()) return std::nullopt;
  auto it = data.find(key);
  if (it == data.end() || !it->is_string()) return std::nullopt;
  return kube::base64Decode(it->get<std::string>());
}

kube::Result<GatheredInputs> gatherInputs(const RegistryConfig& config, const ObjectSource& source,
                                          const PlatformOptions& platform,
                                          const TlsPolicy& tls_policy,
                                          std::chrono::system_clock::time_point now) {
  GatheredInputs out;
  out.inputs.platform = platform;
  const auto& spec = config.spec;
  const auto& ns = config.namespace_;

  auto http_secret = httpSecretFor(config, source);
  if (!http_secret) return http_secret.error();
  out.inputs.httpSecret = *http_secret;

  if (auto bundle = gatherConfigBundle(config, source, out); !bundle) return bundle.error();

  if (spec.tls.mode == TlsMode::Auto && platform.platform == Platform::Kubernetes) {
    auto tls = issuedTlsFor(config, source, now, tls_policy);
    if (!tls) return tls.error();
    out.inputs.tls = tls->serving;
    out.inputs.ca = tls->ca;
    out.tlsDecision = tls->decision;
    out.tlsRecheckAt = tls->nextCheck;
  } else if (spec.tls.enabled()) {
    // The user's Secret (mode Secret) or service-ca's (OpenShift): read only for the hash, so
    // that a renewed certificate rolls the pods.
    auto secret = source.secret(ns, servingSecretName(config));
    if (!secret) return secret.error();
    if (*secret) {
      // ca.crt too: a private CA in the user's Secret lets reencrypt Routes verify the registry.
      out.inputs.tls = tlsMaterialOf(**secret);
    } else if (spec.tls.mode == TlsMode::Secret) {
      out.problems.push_back(
          {"TlsSecretUnavailable", secretRef("spec.tls.secretName", spec.tls.secretName) +
                                       " not found in namespace " + ns});
    }
  }

  if (auto htpasswd = gatherHtpasswd(config, source, out); !htpasswd) return htpasswd.error();

  if (spec.auth.type == AuthType::Kubernetes) {
    auto signing = tokenSigningFor(config, source, now);
    if (!signing) return signing.error();
    out.inputs.tokenSigning = std::move(*signing);
  }

  if (const S3Storage* s3 = spec.storage.s3(); s3 != nullptr && !s3->credentialsSecret.empty()) {
    auto secret = source.secret(ns, s3->credentialsSecret);
    if (!secret) return secret.error();
    if (*secret) {
      out.inputs.storageCredentials = kube::at(**secret, "/data", kube::Json::object()).dump();
    } else {
      out.problems.push_back(
          {"StorageCredentialsUnavailable",
           secretRef("spec.storage.s3.credentialsSecret", s3->credentialsSecret) +
               " not found in namespace " + ns});
    }
  }

  if (mirrorsWanted(config)) {
    for (std::size_t i = 0; i < spec.mirrors.size(); ++i) {
      const MirrorSpec& mirror = spec.mirrors[i];
      const std::string path = "spec.mirrors[" + std::to_string(i) + "]";
      for (const auto& [field, name, key] :
           {std::tuple{".pullSecret", mirror.pullSecret, kDockerConfigJsonKey},
            std::tuple{".caSecret", mirror.caSecret, kCaKey}}) {
        if (name.empty()) continue;
        auto value = userSecretValue(source, ns, name, key, path + field, "MirrorSecretUnavailable",
                                     out.jobProblems);
        if (!value) return value.error();
      }
    }
  }
  return out;
}

kube::Result<void> gatherConfigBundle(const RegistryConfig& config, const ObjectSource& source,
                                      GatheredInputs& out) {
  const std::string& name = config.spec.configBundleSecret;
  if (name.empty()) return {};
  auto secret = source.secret(config.namespace_, name);
  if (!secret) return secret.error();
  if (!*secret) {
    out.problems.push_back({"ConfigBundleUnavailable", "spec.configBundleSecret: Secret \"" + name +
                                                           "\" not found in namespace " +
                                                           config.namespace_});
    return {};
  }
  auto bundle = configBundleFrom(**secret, name);
  if (!bundle) {
    out.problems.push_back({"ConfigBundleUnavailable", bundle.error().message()});
    return {};
  }
  if (bundle->ignoredWarning) {
    out.warnings.push_back({"ConfigBundleKeyIgnored", *bundle->ignoredWarning});
  }
  // Not YAML, not a mapping, or more than the YAML reader's expansion budget: a problem of this
  // CR's input (Degraded, the running configuration kept), never an error that stops the rest.
  if (auto merged = mergeConfigBundle(kube::Json::object(), bundle->content, bundle->key);
      !merged) {
    out.problems.push_back({"ConfigBundleInvalid", merged.error().message()});
    return {};
  }
  out.inputs.configBundle = bundle->content;
  out.inputs.configBundleKey = bundle->key;
  return {};
}

}  // namespace registry

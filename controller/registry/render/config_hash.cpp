#include "registry/render/config_hash.h"

#include "registry/render/config_render.h"
#include "runtime/sha256.h"

namespace registry {
namespace {

// Secret strings enter the document as their own digests: the document stays free of secret
// material (it may end up in a debug log) and arbitrary bytes in them cannot upset the JSON
// serializer.
kube::Json digestOf(const std::optional<std::string>& value) {
  return value ? kube::Json(runtime::sha256Hex(*value)) : kube::Json(nullptr);
}

}  // namespace

kube::Json canonicalPodInputs(const kube::Json& rendered_config, const RegistryConfig& config,
                              const Inputs& inputs) {
  kube::Json tls = nullptr;
  if (inputs.tls) {
    tls = {{"ca", runtime::sha256Hex(inputs.tls->caPem)},
           {"cert", runtime::sha256Hex(inputs.tls->certPem)},
           {"key", runtime::sha256Hex(inputs.tls->keyPem)}};
  }
  kube::Json config_json = rendered_config;
  // http.secret (rendered, or set by the user's bundle) enters as its digest too.
  if (config_json.is_object() && config_json.contains("http") && config_json["http"].is_object() &&
      config_json["http"].contains("secret") && config_json["http"]["secret"].is_string()) {
    config_json["http"]["secret"] =
        runtime::sha256Hex(config_json["http"]["secret"].get<std::string>());
  }
  // The registry reads the signing key's certificate (auth type Kubernetes).
  std::optional<std::string> token_cert;
  if (inputs.tokenSigning) token_cert = inputs.tokenSigning->certPem;
  kube::Json document = {{"config", std::move(config_json)},
                         {"httpSecret", runtime::sha256Hex(effectiveHttpSecret(config, inputs))},
                         {"tls", std::move(tls)},
                         {"htpasswd", digestOf(inputs.htpasswd)},
                         {"tokenCertBundle", digestOf(token_cert)},
                         {"storageCredentials", digestOf(inputs.storageCredentials)}};
  // The token service reads the signing key (auth type Kubernetes). Only present then, so that
  // the hash of every other registry stays what earlier versions computed: an upgrade of the
  // operator rolls no pods.
  if (inputs.tokenSigning) {
    document["tokenSigningKey"] = runtime::sha256Hex(inputs.tokenSigning->keyPem);
  }
  return document;
}

std::string configHash(const kube::Json& rendered_config, const RegistryConfig& config,
                       const Inputs& inputs) {
  // Compact dump of std::map-ordered objects is stable. Invalid UTF-8 (from a user bundle) is
  // replaced rather than thrown on; the bundle's effect is still in the hash through the rest
  // of the document.
  return runtime::sha256Hex(canonicalPodInputs(rendered_config, config, inputs)
                                .dump(-1, ' ', false, kube::Json::error_handler_t::replace));
}

}  // namespace registry

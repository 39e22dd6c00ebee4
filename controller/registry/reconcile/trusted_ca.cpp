#include "registry/reconcile/trusted_ca.h"

#include <filesystem>
#include <set>

#include "kube/api.h"
#include "kube/base64.h"
#include "registry/api/registry_resource.h"
#include "registry/render/hostnames.h"
#include "registry/render/object_names.h"
#include "runtime/atomic_file.h"

namespace registry {

namespace {

kube::Error configError(std::string message) {
  return kube::Error(kube::ErrorKind::Config, std::move(message));
}

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

// `value` when it holds at least one PEM certificate, ending with a newline; else an Error.
kube::Result<std::string> pemBundle(std::string value, const std::string& where) {
  if (value.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return configError(where + " holds no PEM certificate");
  }
  if (value.back() != '\n') value += '\n';
  return value;
}

bool usableAsDirectoryName(const std::string& host) {
  if (host.empty() || host == "." || host == "..") return false;
  for (unsigned char c : host) {
    if (c == '/' || c == '\\' || c <= ' ' || c == 0x7f) return false;
  }
  return true;
}

// One line for a failed read of `what` (`Kind "name"`) in namespace `ns`.
kube::Error readError(const kube::Error& error, const std::string& what, const std::string& ns) {
  std::string message;
  switch (error.kind()) {
    case kube::ErrorKind::NotFound:
      message = what + " not found in namespace " + ns;
      break;
    case kube::ErrorKind::Forbidden:
      message = "not allowed to read " + what + " in namespace " + ns + ": " + error.message();
      break;
    case kube::ErrorKind::Unauthorized:
      message = "the API server did not accept the credentials (Unauthorized) reading " + what +
                ": " + error.message();
      break;
    default:
      message = "cannot read " + what + " in namespace " + ns + ": " + error.describe();
  }
  return error.withMessage(std::move(message));
}

// The object, std::nullopt when the API server says NotFound, or an Error for anything else.
kube::Result<std::optional<kube::Json>> getIfExists(const kube::ClientPtr& client,
                                                    const kube::Resource& resource,
                                                    const std::string& ns,
                                                    const std::string& name) {
  auto object = kube::ignoreNotFound(kube::Api(client, resource, ns).get(name));
  if (!object) return readError(object.error(), resource.kind + " " + quoted(name), ns);
  return object;
}

}  // namespace

kube::Result<std::string> caBundleFrom(const RegistryConfig& config,
                                       const kube::Json* ca_config_map,
                                       const kube::Json* tls_secret) {
  const std::string& ns = config.namespace_;
  switch (config.spec.tls.mode) {
    case TlsMode::Disabled:
      return configError("RegistryConfig " + quoted(config.name) + " in namespace " + ns +
                         " has spec.tls.mode Disabled: the registry serves plain HTTP, there is "
                         "no CA to trust");
    case TlsMode::Secret: {
      const std::string secret = "Secret " + quoted(config.spec.tls.secretName) +
                                 " (spec.tls.secretName) in namespace " + ns;
      if (tls_secret == nullptr) return configError(secret + " not found");
      const kube::Json& value = kube::at(*tls_secret, "/data/" + std::string(kCaKey));
      std::optional<std::string> decoded;
      if (value.is_string()) decoded = kube::base64Decode(value.get<std::string>());
      if (!decoded || decoded->empty()) {
        return configError("the CA is not known: " + secret + " has no key " + kCaKey +
                           " (the certificate may be signed by a CA clients already trust)");
      }
      return pemBundle(*decoded, secret + " key " + kCaKey);
    }
    case TlsMode::Auto:
      break;
  }
  const std::string map = "ConfigMap " + quoted(caConfigMapName(config)) + " in namespace " + ns;
  if (ca_config_map == nullptr) {
    return configError(map + " not found: the operator has not published the CA yet");
  }
  for (const char* key : {kCaKey, kServiceCaKey}) {
    const kube::Json& value = kube::at(*ca_config_map, "/data/" + std::string(key));
    if (value.is_string() && !value.get<std::string>().empty()) {
      return pemBundle(value.get<std::string>(), map + " key " + key);
    }
  }
  return configError(map + " has no CA yet (no key " + kCaKey + " or " + kServiceCaKey + ")");
}

std::vector<std::string> registryHosts(const RegistryConfig& config, const kube::Json& status) {
  std::vector<std::string> hosts;
  std::set<std::string> seen;
  auto add = [&](const std::string& host) {
    if (seen.insert(host).second) hosts.push_back(host);
  };
  const kube::Json& internal = kube::at(status, "/internalHostname");
  add(internal.is_string() && !internal.get<std::string>().empty() ? internal.get<std::string>()
                                                                   : internalHostname(config));
  const kube::Json& external = kube::at(status, "/externalHostnames");
  if (external.is_array()) {
    for (const auto& host : external) {
      if (host.is_string()) add(host.get<std::string>());
    }
  }
  return hosts;
}

kube::Result<std::vector<CaFile>> certsDFiles(const RegistryConfig& config,
                                              const kube::Json& status,
                                              const std::string& ca_bundle) {
  std::vector<CaFile> files;
  for (const std::string& host : registryHosts(config, status)) {
    if (!usableAsDirectoryName(host)) {
      return configError("RegistryConfig " + quoted(config.name) + " in namespace " +
                         config.namespace_ + ": host " + quoted(host) +
                         " in its status cannot name a certs.d directory");
    }
    files.push_back({host + "/" + kCaKey, ca_bundle});
  }
  return files;
}

kube::Result<TrustedCa> fetchTrustedCa(const kube::ClientPtr& client, const std::string& ns,
                                       const std::string& name) {
  const std::string what = "RegistryConfig " + quoted(name);
  auto cr = kube::Api(client, registryConfigResource(), ns).get(name);
  if (!cr) {
    kube::Error error = readError(cr.error(), what, ns);
    // A 404 for the whole resource type (not for this one object) means no CRD.
    if (cr.error().is(kube::ErrorKind::NotFound) &&
        cr.error().message().find("could not find the requested resource") != std::string::npos) {
      return error.withMessage(error.message() + " (is the RegistryConfig CRD installed?)");
    }
    return error;
  }
  auto config = parseRegistryConfig(*cr);
  if (!config) {
    return configError(what + " in namespace " + ns +
                       " has an invalid spec: " + config.error().message());
  }
  TrustedCa out;
  out.config = std::move(*config);
  out.status = kube::at(*cr, "/status", kube::Json::object());

  std::optional<kube::Json> holder;
  if (out.config.spec.tls.mode == TlsMode::Auto) {
    auto map = getIfExists(client, kube::resources::configMaps(), ns, caConfigMapName(out.config));
    if (!map) return map.error();
    holder = std::move(*map);
  } else if (out.config.spec.tls.mode == TlsMode::Secret) {
    auto secret =
        getIfExists(client, kube::resources::secrets(), ns, out.config.spec.tls.secretName);
    if (!secret) return secret.error();
    holder = std::move(*secret);
  }
  const kube::Json* object = holder ? &*holder : nullptr;
  auto bundle = out.config.spec.tls.mode == TlsMode::Auto
                    ? caBundleFrom(out.config, object, nullptr)
                    : caBundleFrom(out.config, nullptr, object);
  if (!bundle) return bundle.error();
  out.caBundle = std::move(*bundle);
  return out;
}

kube::Result<std::vector<std::string>> writeCaFiles(const std::string& dir,
                                                    const std::vector<CaFile>& files) {
  std::vector<std::string> written;
  for (const CaFile& file : files) {
    const std::filesystem::path target = std::filesystem::path(dir) / file.path;
    if (auto made = runtime::makeDirectories(target.parent_path()); !made) return made.error();
    if (auto wrote = runtime::writeFileAtomically(target, file.content); !wrote) {
      return wrote.error();
    }
    written.push_back(target.string());
  }
  return written;
}

}  // namespace registry

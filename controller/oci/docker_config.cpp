#include "oci/docker_config.h"

#include <cctype>

#include "kube/base64.h"
#include "oci/json_fields.h"

namespace oci {

namespace {

kube::Error configError(const std::string& file, const std::string& path,
                        std::string_view problem) {
  return kube::Error(kube::ErrorKind::Config,
                     file + ": " + (path.empty() ? "" : path + ": ") + std::string(problem));
}

// `auths["quay.io"]`: a key is a host with dots, so not written as a dotted path. Only its
// printable ASCII is shown; a key is a host name, not a secret.
std::string keyPath(std::string_view key) {
  std::string shown;
  for (char c : key.substr(0, 100)) {
    const auto byte = static_cast<unsigned char>(c);
    shown += byte < 0x20 || byte >= 0x7f || c == '"' ? '?' : c;
  }
  return "auths[\"" + shown + "\"]";
}

// The three ways one host's entry can be written; `auth` wins.
kube::Result<Credentials> parseEntry(const kube::Json& entry, const std::string& path,
                                     const std::string& file) {
  if (!entry.is_object()) return configError(file, path, "must be an object");
  // A member of the wrong type is named, never shown: json_fields' errors quote no value.
  auto field = [&](std::string_view key) -> kube::Result<std::string> {
    auto value = optionalString(entry, key, path);
    if (!value) return configError(file, "", value.error().message());
    return value->value_or("");
  };
  auto auth = field("auth");
  if (!auth) return auth.error();
  auto username = field("username");
  if (!username) return username.error();
  auto password = field("password");
  if (!password) return password.error();
  if (auth->empty()) return Credentials{std::move(*username), std::move(*password)};
  auto decoded = kube::base64Decode(*auth);
  if (!decoded) return configError(file, path + ".auth", "is not base64");
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) {
    return configError(file, path + ".auth", "is not the base64 of user:password (no ':')");
  }
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace

std::string normalizeRegistryHost(std::string_view key) {
  if (auto scheme = key.find("://"); scheme != std::string_view::npos) {
    key.remove_prefix(scheme + 3);
  }
  key = key.substr(0, key.find('/'));
  std::string host(key);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host == "index.docker.io" || host == "registry-1.docker.io") return "docker.io";
  return host;
}

kube::Result<DockerConfig> parseDockerConfig(std::string_view json, const std::string& file) {
  auto document = parseJsonObject(json, "a .dockerconfigjson");
  if (!document) return configError(file, "", document.error().message());
  auto auths = optionalObject(*document, "auths", "");
  if (!auths) return configError(file, "", auths.error().message());
  if (*auths == nullptr) return configError(file, "auths", "is required");
  DockerConfig config;
  // Two keys for one host ("docker.io" and "https://index.docker.io/v1/"): the one written as
  // the bare host wins, else the first in key order, so that the choice does not depend on how
  // the JSON was ordered.
  std::map<std::string, bool> exact;
  for (const auto& [key, entry] : (*auths)->items()) {
    auto credentials = parseEntry(entry, keyPath(key), file);
    if (!credentials) return credentials.error();
    const std::string host = normalizeRegistryHost(key);
    if (host.empty()) return configError(file, keyPath(key), "names no registry host");
    const bool bare = key == host;
    auto seen = exact.find(host);
    if (seen != exact.end() && (seen->second || !bare)) continue;
    exact[host] = bare;
    config.auths[host] = std::move(*credentials);
  }
  return config;
}

std::optional<Credentials> credentialsFor(const DockerConfig& config, std::string_view host) {
  auto found = config.auths.find(normalizeRegistryHost(host));
  if (found == config.auths.end()) return std::nullopt;
  return found->second;
}

}  // namespace oci

#include "oci/image_reference.h"

#include <cctype>

#include "oci/names.h"

namespace oci {

namespace {

// distribution's NameTotalLengthMax: host, slash and path together.
constexpr std::size_t kMaxNameLength = 255;

bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool isDomainComponent(std::string_view part) {
  if (part.empty() || !isAlnum(part.front()) || !isAlnum(part.back())) return false;
  for (char c : part) {
    if (!isAlnum(c) && c != '-') return false;
  }
  return true;
}

// domain-name ("." domain-name)* or "[" ipv6 "]", then an optional ":" port.
bool isValidHost(std::string_view host) {
  std::string_view name = host;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    for (char c : host.substr(1, close - 1)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':') return false;
    }
    name = {};
    host.remove_prefix(close + 1);
  } else {
    const auto colon = host.find(':');
    name = host.substr(0, colon);
    host.remove_prefix(colon == std::string_view::npos ? host.size() : colon);
    while (true) {
      const auto dot = name.find('.');
      if (!isDomainComponent(name.substr(0, dot))) return false;
      if (dot == std::string_view::npos) break;
      name.remove_prefix(dot + 1);
    }
  }
  if (host.empty()) return true;  // no port
  if (host.front() != ':' || host.size() == 1 || host.size() > 6) return false;
  for (char c : host.substr(1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Docker's rule for the first component: a registry host, or the first part of a Docker Hub
// path ("team" of "team/app").
bool looksLikeHost(std::string_view component) {
  if (component == "localhost") return true;
  for (char c : component) {
    if (c == '.' || c == ':' || std::isupper(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

bool hasUpper(std::string_view text) {
  for (char c : text) {
    if (std::isupper(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

}  // namespace

kube::Result<ImageReference> parseImageReference(std::string_view reference) {
  auto invalid = [&](std::string_view why) {
    return kube::Error(
        kube::ErrorKind::Invalid,
        "invalid image reference \"" + std::string(reference) + "\": " + std::string(why));
  };
  if (reference.empty()) return invalid("it is empty");
  if (reference.find('@') != std::string_view::npos) {
    return invalid("it has a digest; give the repository alone, without tag or digest");
  }
  ImageReference result;
  std::string_view path = reference;
  const auto slash = reference.find('/');
  if (slash != std::string_view::npos && looksLikeHost(reference.substr(0, slash))) {
    result.host = std::string(reference.substr(0, slash));
    path = reference.substr(slash + 1);
  } else {
    result.host = "docker.io";
  }
  // Only now: the ':' of "localhost:5000/app" is the host's port, that of "app:1" a tag.
  if (path.find(':') != std::string_view::npos) {
    return invalid("it has a tag; give the repository alone, without tag or digest");
  }
  if (!isValidHost(result.host)) return invalid("\"" + result.host + "\" is not a registry host");
  if (result.host == "index.docker.io") result.host = "docker.io";
  if (hasUpper(path)) return invalid("the repository path must be lower case");
  result.repository = std::string(path);
  if (result.host == "docker.io" && result.repository.find('/') == std::string::npos) {
    result.repository = "library/" + result.repository;
  }
  if (!isValidRepositoryName(result.repository)) {
    return invalid("\"" + std::string(path) +
                   "\" is not a repository path (lower-case components of letters and digits, "
                   "separated by '/', each joined inside by '.', '_', '__' or dashes)");
  }
  if (result.name().size() > kMaxNameLength) {
    return invalid("longer than " + std::to_string(kMaxNameLength) + " characters");
  }
  result.api_host = result.host == "docker.io" ? "registry-1.docker.io" : result.host;
  return result;
}

}  // namespace oci

#include "registry/api/mirror_target.h"

#include "registry/api/registry_config.h"

namespace registry {

std::string sourceRepositoryPath(std::string_view source) {
  const std::size_t slash = source.find('/');
  std::string_view host;
  std::string_view path = source;
  if (slash != std::string_view::npos) {
    const std::string_view first = source.substr(0, slash);
    if (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
        first == "localhost") {
      host = first;
      path = source.substr(slash + 1);
    }
  }
  const bool docker_hub = host.empty() || host == "docker.io" || host == "index.docker.io" ||
                          host == "registry-1.docker.io";
  if (docker_hub && path.find('/') == std::string_view::npos) {
    return "library/" + std::string(path);
  }
  return std::string(path);
}

std::string mirrorTargetRepository(const MirrorSpec& mirror) {
  return mirror.target.empty() ? sourceRepositoryPath(mirror.source) : mirror.target;
}

}  // namespace registry

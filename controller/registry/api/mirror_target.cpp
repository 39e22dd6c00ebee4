#include "registry/api/mirror_target.h"

#include "oci/image_reference.h"
#include "registry/api/registry_config.h"

namespace registry {

std::string sourceRepositoryPath(std::string_view source) {
  auto reference = oci::parseImageReference(source);
  return reference ? reference->repository : std::string();
}

std::string mirrorTargetRepository(const MirrorSpec& mirror) {
  return mirror.target.empty() ? sourceRepositoryPath(mirror.source) : mirror.target;
}

}  // namespace registry

#include "oci/media_types.h"

namespace oci {

bool isIndexMediaType(std::string_view media_type) {
  return media_type == kOciIndex || media_type == kDockerManifestList;
}

bool isImageMediaType(std::string_view media_type) {
  return media_type == kOciManifest || media_type == kDockerManifest;
}

std::string_view stripMediaTypeParameters(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return type;
}

}  // namespace oci

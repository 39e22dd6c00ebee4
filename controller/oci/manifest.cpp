#include "oci/manifest.h"

#include "oci/json_fields.h"
#include "oci/media_types.h"

namespace oci {

namespace {

kube::Result<Descriptor> parseDescriptor(const kube::Json& json, const std::string& path) {
  if (!json.is_object()) return fieldError(path, "must be an object");
  Descriptor descriptor;
  auto media_type = optionalString(json, "mediaType", path);
  if (!media_type) return media_type.error();
  descriptor.media_type = media_type->value_or("");
  auto digest = requiredString(json, "digest", path);
  if (!digest) return digest.error();
  if (!isValidDigest(*digest)) return fieldError(childPath(path, "digest"), "is not a digest");
  descriptor.digest = std::move(*digest);
  auto size = optionalCount(json, "size", path);
  if (!size) return size.error();
  if (!*size) return fieldError(childPath(path, "size"), "is required");
  descriptor.size = **size;
  return descriptor;
}

kube::Result<std::optional<Platform>> parsePlatform(const kube::Json& entry,
                                                    const std::string& path) {
  auto object = optionalObject(entry, "platform", path);
  if (!object) return object.error();
  if (*object == nullptr) return std::optional<Platform>();
  const std::string platform_path = childPath(path, "platform");
  Platform platform;
  for (auto [key, field] :
       {std::pair{"architecture", &platform.architecture}, std::pair{"os", &platform.os},
        std::pair{"variant", &platform.variant}}) {
    auto value = optionalString(**object, key, platform_path);
    if (!value) return value.error();
    *field = value->value_or("");
  }
  return std::optional<Platform>(std::move(platform));
}

// The body's mediaType, else the Content-Type, else nothing.
kube::Result<std::string> mediaTypeOf(const kube::Json& document, std::string_view content_type) {
  auto declared = optionalString(document, "mediaType", "");
  if (!declared) return declared.error();
  if (*declared) return std::move(**declared);
  return std::string(stripMediaTypeParameters(content_type));
}

}  // namespace

bool Manifest::isIndex() const { return isIndexMediaType(media_type); }

bool isValidDigest(std::string_view digest) {
  auto colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == digest.size()) return false;
  std::string_view algorithm = digest.substr(0, colon);
  std::string_view encoded = digest.substr(colon + 1);
  for (char c : algorithm) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  if (algorithm == "sha256") {
    if (encoded.size() != 64) return false;
    for (char c : encoded) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  }
  for (char c : encoded) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '=' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

kube::Result<Manifest> parseManifest(std::string_view body, std::string_view content_type) {
  auto document = parseJsonObject(body, "manifest");
  if (!document) return document.error();
  auto schema_version = optionalCount(*document, "schemaVersion", "");
  if (!schema_version) return schema_version.error();
  if (!*schema_version || **schema_version != 2) {
    return fieldError("schemaVersion", "must be 2");
  }
  auto media_type = mediaTypeOf(*document, content_type);
  if (!media_type) return media_type.error();

  Manifest manifest;
  manifest.media_type = std::move(*media_type);
  if (isImageMediaType(manifest.media_type)) {
    auto config = optionalObject(*document, "config", "");
    if (!config) return config.error();
    if (*config == nullptr) return fieldError("config", "is required");
    auto descriptor = parseDescriptor(**config, "config");
    if (!descriptor) return descriptor.error();
    manifest.config = std::move(*descriptor);
    auto layers = optionalArray(*document, "layers", "");
    if (!layers) return layers.error();
    if (*layers != nullptr) {
      for (std::size_t i = 0; i < (*layers)->size(); ++i) {
        auto layer = parseDescriptor((**layers)[i], indexPath("layers", i));
        if (!layer) return layer.error();
        manifest.layers.push_back(std::move(*layer));
      }
    }
    return manifest;
  }
  if (isIndexMediaType(manifest.media_type)) {
    auto entries = optionalArray(*document, "manifests", "");
    if (!entries) return entries.error();
    if (*entries == nullptr) return fieldError("manifests", "is required");
    for (std::size_t i = 0; i < (*entries)->size(); ++i) {
      const std::string path = indexPath("manifests", i);
      auto descriptor = parseDescriptor((**entries)[i], path);
      if (!descriptor) return descriptor.error();
      auto platform = parsePlatform((**entries)[i], path);
      if (!platform) return platform.error();
      manifest.manifests.push_back(IndexEntry{std::move(*descriptor), std::move(*platform)});
    }
    return manifest;
  }
  return kube::Error(
      kube::ErrorKind::Decode,
      manifest.media_type.empty()
          ? std::string("manifest: no media type (neither mediaType nor Content-Type)")
          : "manifest: unsupported media type \"" + manifest.media_type + "\"",
      0, "UnsupportedMediaType");
}

}  // namespace oci

#pragma once

#include <string_view>

namespace oci {

// The four manifest media types a registry serves for a tag (docs/design.md §5, `prune`).
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";

// The Accept header of every manifest HEAD and GET. All four types must be listed: distribution
// answers a manifest whose type the client did not accept with 404 MANIFEST_UNKNOWN (OCI) or
// converts it (a list becomes its default platform's manifest), so leaving one out hides or
// changes what a tag points at.
inline constexpr std::string_view kManifestAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

// An index (OCI image index or Docker manifest list): it names other manifests, not layers.
bool isIndexMediaType(std::string_view media_type);
// A single-image manifest (OCI or Docker schema 2): a config blob and layers.
bool isImageMediaType(std::string_view media_type);

// "application/json; charset=utf-8" → "application/json": the type without parameters or
// surrounding blanks (registries send media types in lower case; none is folded here).
std::string_view stripMediaTypeParameters(std::string_view content_type);

}  // namespace oci

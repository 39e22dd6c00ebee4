#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/result.h"

namespace oci {

// A content descriptor: what a manifest says about a blob or another manifest.
struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<64 hex>"
  std::int64_t size = 0;
};

struct Platform {
  std::string architecture;
  std::string os;
  std::string variant;
};

// One entry of an index: a child manifest and the platform it is for, when the index says.
struct IndexEntry {
  Descriptor descriptor;
  std::optional<Platform> platform;
};

// The four manifest kinds of kManifestAccept, parsed into one shape. An image manifest (Docker
// schema 2, OCI image manifest) has a config and layers; an index (Docker manifest list, OCI
// image index) has child manifests.
struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::vector<IndexEntry> manifests;

  bool isIndex() const;
};

// Parses a manifest body. Its media type is the body's `mediaType` when present (the Docker
// kinds always carry it), else the response's Content-Type (an OCI manifest may omit it).
// Errors (kind Decode) name the field: "layers[1].digest: is required". A media type outside
// the four is an error with reason "UnsupportedMediaType", so that a caller can keep such a
// manifest rather than fail.
kube::Result<Manifest> parseManifest(std::string_view body, std::string_view content_type);

// "sha256:" and 64 lowercase hex digits, or another algorithm's "<alg>:<hex or base64url>" as
// the OCI spec allows; enough to refuse garbage before it goes into a request path.
bool isValidDigest(std::string_view digest);

}  // namespace oci

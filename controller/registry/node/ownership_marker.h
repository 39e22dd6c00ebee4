#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "kube/result.h"

namespace registry {

// The file `registry-operator node-ca` puts in every certs.d host directory it creates, naming
// the RegistryConfig ("namespace/name") the directory belongs to. It is how a later sync, or the
// removal when that registry is gone, tells its own directories from an administrator's or
// another registry's, which it never touches. podman, docker and containerd read only *.crt,
// *.cert, *.key and hosts.toml there, so the marker changes nothing for them.
inline constexpr const char* kOwnershipMarker = "registry-operator.owner";

// The marker's content: a comment for the administrator who finds it, then the owner.
std::string ownershipMarkerContent(const std::string& owner);

// The owner named by `dir`'s marker; std::nullopt when `dir` has no marker (or it names no
// owner). An Error when the marker exists but cannot be read, naming its path.
kube::Result<std::optional<std::string>> readOwnershipMarker(const std::filesystem::path& dir);

}  // namespace registry

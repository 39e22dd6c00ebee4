#pragma once

#include <string>
#include <string_view>

namespace registry {

struct MirrorSpec;

// Where spec.mirrors[] entries land in the registry. Pure; used by the mirror CronJobs
// (render/build_mirrors.cpp).

// The repository path of an image reference without tag or digest, as docker reads it
// (oci/image_reference.h): docker.io/library/busybox and busybox -> library/busybox,
// quay.io/org/app -> org/app, 127.0.0.1:5001/team/app -> team/app; "" when `source` is not one
// (validation refuses such a source).
std::string sourceRepositoryPath(std::string_view source);

// spec.mirrors[].target when set, else sourceRepositoryPath(source).
std::string mirrorTargetRepository(const MirrorSpec& mirror);

}  // namespace registry

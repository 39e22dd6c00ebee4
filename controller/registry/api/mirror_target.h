#pragma once

#include <string>
#include <string_view>

namespace registry {

struct MirrorSpec;

// Where spec.mirrors[] entries land in the registry. Pure; shared by validation (a default
// target must be a valid repository name) and the mirror CronJobs (render/build_mirrors.cpp).

// The repository path of an image reference without tag or digest, as docker reads it: the first
// component is a registry host when it has a '.' or ':' or is "localhost", else the host is
// docker.io; docker.io paths of one component are under "library/".
//   docker.io/library/busybox -> library/busybox   busybox -> library/busybox
//   quay.io/org/app -> org/app                      127.0.0.1:5001/team/app -> team/app
std::string sourceRepositoryPath(std::string_view source);

// spec.mirrors[].target when set, else sourceRepositoryPath(source).
std::string mirrorTargetRepository(const MirrorSpec& mirror);

}  // namespace registry

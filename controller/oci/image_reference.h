#pragma once

#include <string>
#include <string_view>

#include "kube/result.h"

namespace oci {

// An image repository as docker reads a name without tag or digest (distribution's
// reference.ParseNormalizedNamed): "busybox" is docker.io/library/busybox, "team/app" is
// docker.io/team/app, and the first component is a registry host only when it has a '.' or a
// ':', is "localhost", or has an upper-case letter: "quay.io/team/app", "localhost:5000/app".
struct ImageReference {
  // The registry as docker names it: "docker.io" (also for "index.docker.io"), "quay.io",
  // "localhost:5000". The key a pull secret's credentials are looked up by.
  std::string host;
  // Where its API lives: "registry-1.docker.io" for docker.io, else the host.
  std::string api_host;
  // The repository path on that registry: "library/busybox".
  std::string repository;

  // "docker.io/library/busybox"
  std::string name() const { return host + "/" + repository; }
};

// Error (kind Invalid) naming the reference and why: empty, a tag or digest given (tags go
// apart), an invalid host, or a path outside the distribution grammar (oci/names.h), such as
// upper case.
kube::Result<ImageReference> parseImageReference(std::string_view reference);

}  // namespace oci

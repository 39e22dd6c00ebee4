#pragma once

#include "kube/object.h"
#include "registry/platform.h"

namespace registry {

// Security contexts meeting the "restricted" Pod Security Standard, shared by every pod the
// operator runs (registry, pruner).
kube::Json restrictedPodSecurityContext(const PlatformOptions& platform);
kube::Json restrictedContainerSecurityContext();

}  // namespace registry

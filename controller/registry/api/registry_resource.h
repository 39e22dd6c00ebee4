#pragma once

#include "kube/resource.h"

namespace registry {

// registryconfigs.imageregistry.io/v1alpha1, the operator's custom resource.
inline kube::Resource registryConfigResource() {
  return kube::Resource{"imageregistry.io", "v1alpha1", "registryconfigs", "RegistryConfig", true};
}

}  // namespace registry

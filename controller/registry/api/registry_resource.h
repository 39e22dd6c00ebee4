#pragma once

#include "kube/resource.h"

namespace registry {

// registryconfigs.imageregistry.io/v1alpha1, the operator's custom resource.
inline kube::Resource registryConfigResource() {
  return kube::Resource{"imageregistry.io", "v1alpha1", "registryconfigs", "RegistryConfig", true};
}

inline constexpr const char* kRegistryConfigGroup = "imageregistry.io";

// What auth type Kubernetes authorizes against (the token service's self reviews): no API serves
// it, RBAC rules name it. Verb get in namespace X lets its holder pull the repositories X/*,
// update push, delete delete; list with no namespace reads the catalog.
inline constexpr const char* kRepositoriesResource = "repositories";
// The ClusterRoles that grant them (the plain-Kubernetes `oc policy add-role-to-user`).
inline constexpr const char* kRegistryViewerRole = "registry-viewer";
inline constexpr const char* kRegistryEditorRole = "registry-editor";

}  // namespace registry

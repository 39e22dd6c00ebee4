#pragma once

#include <string>
#include <string_view>

#include "kube/object.h"
#include "registry/api/registry_config.h"

namespace registry {

inline constexpr const char* kGroupVersion = "imageregistry.io/v1alpha1";
inline constexpr const char* kKind = "RegistryConfig";
inline constexpr const char* kManagedBy = "registry-operator";

// Values of app.kubernetes.io/component.
inline constexpr const char* kComponentRegistry = "registry";
inline constexpr const char* kComponentPruner = "pruner";

// The labels a selector uses (name, instance, component): stable for the life of the CR,
// because Deployment selectors are immutable.
kube::Json selectorLabels(const RegistryConfig& config, std::string_view component);

// Every app.kubernetes.io label of an owned object: the selector labels plus managed-by and
// part-of.
kube::Json commonLabels(const RegistryConfig& config, std::string_view component);

// Label selector (list/watch syntax) matching the objects of every RegistryConfig: what the
// operator's watches of owned kinds are restricted to.
std::string allOwnedObjectsSelector();

// The controller ownerReference to the CR, so that deleting the CR garbage-collects the object
// and the reconciler's watches map the object back to its CR.
kube::Json ownerReference(const RegistryConfig& config);

// A new object with apiVersion, kind and metadata {name, namespace, labels, ownerReferences}.
// ownerReferences is left out when the CR has no uid (offline `render` of a file).
kube::Json newOwnedObject(const RegistryConfig& config, std::string_view api_version,
                          std::string_view kind, const std::string& name,
                          std::string_view component);

}  // namespace registry

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
inline constexpr const char* kComponentNodeCa = "node-ca";
inline constexpr const char* kComponentMirror = "mirror";
inline constexpr const char* kComponentJobs = "jobs";  // what the pruner and mirrors share

// The labels a selector uses (name, instance, component): stable for the life of the CR,
// because Deployment selectors are immutable.
kube::Json selectorLabels(const RegistryConfig& config, std::string_view component);

// Every app.kubernetes.io label of an owned object: the selector labels plus managed-by and
// part-of.
kube::Json commonLabels(const RegistryConfig& config, std::string_view component);

// Label selector (list/watch syntax) matching the objects of every RegistryConfig: what the
// operator's watches of owned kinds are restricted to.
std::string allOwnedObjectsSelector();
// Its complement: every object the operator did not make (the Secrets users name in a spec).
std::string notOwnedObjectsSelector();

// The controller ownerReference to the CR, so that deleting the CR garbage-collects the object
// and the reconciler's watches map the object back to its CR.
kube::Json ownerReference(const RegistryConfig& config);

// Whether `live`, an object with the name the operator wants for one of the CR's objects, is
// the CR's own and may be applied over: controlled by the CR (its controller ownerReference
// carries the CR's uid), or made by the operator for it without an ownerReference (the storage
// claim, which outlives the CR unless deleteOnRemove): no controller at all, and the managed-by
// and instance labels. Anything else is someone else's object and must be left alone, or the
// apply would rewrite it and the CR's deletion would garbage-collect it.
bool belongsTo(const kube::Json& live, const RegistryConfig& config);

// A new object with apiVersion, kind and metadata {name, namespace, labels, ownerReferences}.
// ownerReferences is left out when the CR has no uid (offline `render` of a file).
kube::Json newOwnedObject(const RegistryConfig& config, std::string_view api_version,
                          std::string_view kind, const std::string& name,
                          std::string_view component);

}  // namespace registry

#pragma once

#include <string>

#include "kube/object.h"

namespace registry {

// Annotation on every applied object: a hash of what the operator last applied. Server-side
// apply only removes a field the operator stops setting if the operator applies again, and a
// field-by-field comparison cannot see such a removal; the hash can.
inline constexpr const char* kAppliedHashAnnotation = "imageregistry.io/applied-hash";

// `desired` with the applied-hash annotation set (the hash covers everything else).
kube::Json withAppliedHash(const kube::Json& desired);

// Whether applying `desired` (as returned by withAppliedHash) would change `live`: true when
// there is no live object, when the live annotation differs (the desired state changed), or
// when a field the operator sets was changed by hand (its live value no longer matches).
// Fields that only the server or other managers set are not compared, so their defaults and
// additions never cause writes: a steady state makes zero requests.
bool needsApply(const kube::Json& desired, const kube::Json* live);

// `desired` ⊆ `live`: every field of desired has the same value in live (objects recursively,
// arrays element by element with equal length). An empty object, array or null in desired
// matches an absent field, because the API server drops empty values.
bool isSubset(const kube::Json& desired, const kube::Json& live);

}  // namespace registry

#pragma once

#include "kube/object.h"

namespace registry {

// Lays `overlay` over `base` the way users expect a config bundle to behave: objects merge key
// by key, recursively; anything else in the overlay (strings, numbers, booleans, lists) replaces
// what the base had. A null in the overlay deletes the key, so a bundle can switch off a section
// the operator renders (e.g. `http: {headers: null}`). A non-object overlay replaces the base.
kube::Json deepMerge(const kube::Json& base, const kube::Json& overlay);

}  // namespace registry

#include "registry/render/apply_decision.h"

#include "registry/render/sha256.h"

namespace registry {

namespace {
bool isEmptyValue(const kube::Json& value) {
  return value.is_null() || ((value.is_object() || value.is_array()) && value.empty());
}

// Integers and floats compare by value (the server may print 1.0 as 1); the rest exactly.
bool scalarsEqual(const kube::Json& desired, const kube::Json& live) {
  if (desired.is_number() && live.is_number()) return desired.get<double>() == live.get<double>();
  return desired == live;
}
}  // namespace

bool isSubset(const kube::Json& desired, const kube::Json& live) {
  if (desired.is_object()) {
    if (!live.is_object()) return isEmptyValue(desired) && live.is_null();
    for (const auto& [key, value] : desired.items()) {
      auto it = live.find(key);
      if (it == live.end()) {
        if (!isEmptyValue(value)) return false;
        continue;
      }
      if (!isSubset(value, *it)) return false;
    }
    return true;
  }
  if (desired.is_array()) {
    if (!live.is_array()) return desired.empty() && live.is_null();
    if (desired.size() != live.size()) return false;
    for (std::size_t i = 0; i < desired.size(); ++i) {
      if (!isSubset(desired[i], live[i])) return false;
    }
    return true;
  }
  return scalarsEqual(desired, live);
}

kube::Json withAppliedHash(const kube::Json& desired) {
  kube::Json out = desired;
  if (out.contains("metadata") && out["metadata"].contains("annotations")) {
    out["metadata"]["annotations"].erase(kAppliedHashAnnotation);
    if (out["metadata"]["annotations"].empty()) out["metadata"].erase("annotations");
  }
  out["metadata"]["annotations"][kAppliedHashAnnotation] = sha256Hex(out.dump()).substr(0, 32);
  return out;
}

bool needsApply(const kube::Json& desired, const kube::Json* live) {
  if (live == nullptr) return true;
  const kube::Json& wanted =
      kube::at(desired, "/metadata/annotations/" + std::string("imageregistry.io~1applied-hash"));
  const kube::Json& seen =
      kube::at(*live, "/metadata/annotations/" + std::string("imageregistry.io~1applied-hash"));
  if (wanted != seen) return true;
  return !isSubset(desired, *live);
}

}  // namespace registry

#include "runtime/apply_drift.h"

#include "runtime/owner_reference.h"
#include "runtime/sha256.h"

namespace runtime {

namespace {
bool isEmptyValue(const kube::Json& value) {
  return value.is_null() || ((value.is_object() || value.is_array()) && value.empty());
}

// Integers and floats compare by value (the server may print 1.0 as 1); the rest exactly.
bool scalarsEqual(const kube::Json& desired, const kube::Json& live) {
  if (desired.is_number() && live.is_number()) return desired.get<double>() == live.get<double>();
  return desired == live;
}

// The recommended label naming the instance an object belongs to: the owner of objects made
// without an ownerReference, so that they outlive it (a storage claim).
constexpr const char* kInstanceLabel = "app.kubernetes.io/instance";

std::string objectKey(const kube::Json& object) {
  return object.value("kind", "") + "/" + kube::namespaceOf(object) + "/" + kube::name(object);
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

ApplyDrift::ApplyDrift(std::string hash_annotation) : annotation_(std::move(hash_annotation)) {}

std::string ApplyDrift::hashOf(const kube::Json& object) const {
  return kube::annotation(object, annotation_);
}

kube::Json ApplyDrift::stamp(const kube::Json& desired) const {
  kube::Json out = desired;
  if (out.contains("metadata") && out["metadata"].contains("annotations")) {
    out["metadata"]["annotations"].erase(annotation_);
    if (out["metadata"]["annotations"].empty()) out["metadata"].erase("annotations");
  }
  out["metadata"]["annotations"][annotation_] = sha256Hex(out.dump()).substr(0, 32);
  return out;
}

bool ApplyDrift::needsApply(const kube::Json& stamped, const kube::Json* live) const {
  if (live == nullptr) return true;
  const std::string wanted = hashOf(stamped);
  if (wanted != hashOf(*live)) return true;
  {
    std::lock_guard lock(mutex_);
    auto it = applied_.find(objectKey(stamped));
    if (it != applied_.end() && it->second.hash == wanted &&
        it->second.resource_version == kube::resourceVersion(*live)) {
      return false;  // untouched since our apply
    }
  }
  return !isSubset(stamped, *live);
}

void ApplyDrift::remember(const kube::Json& stamped, const kube::Json& applied) {
  auto controller = controllerOf(stamped);
  std::string owner = controller ? controller->name : kube::label(stamped, kInstanceLabel);
  std::lock_guard lock(mutex_);
  applied_[objectKey(stamped)] = {hashOf(stamped), kube::resourceVersion(applied),
                                  std::move(owner)};
}

void ApplyDrift::forget(const kube::Json& object) {
  std::lock_guard lock(mutex_);
  applied_.erase(objectKey(object));
}

void ApplyDrift::forgetControlledBy(const std::string& ns, const std::string& owner_name) {
  std::lock_guard lock(mutex_);
  const std::string in_namespace = ns + "/";
  std::erase_if(applied_, [&](const auto& entry) {
    const auto& [key, applied] = entry;  // "Kind/namespace/name"; kinds have no '/'
    return applied.owner == owner_name &&
           key.compare(key.find('/') + 1, in_namespace.size(), in_namespace) == 0;
  });
}

std::size_t ApplyDrift::size() const {
  std::lock_guard lock(mutex_);
  return applied_.size();
}

}  // namespace runtime

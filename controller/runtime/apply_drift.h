#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "kube/object.h"

namespace runtime {

// Server-side apply without writing at rest: decides from a cached live object whether applying
// a desired object would change anything, so that a steady state makes zero requests.
//
// Every desired object is stamped with an annotation (`hash_annotation`) holding a hash of
// everything else in it. Server-side apply removes a field the manager stops setting only when
// the manager applies again, and a field-by-field comparison cannot see such a removal; the hash
// can. A live object needs an apply when it is absent, when its hash differs (the desired state
// changed), or when a field the manager sets was changed by hand. Fields that only the server or
// other managers set are never compared, so their defaults and additions cause no writes.
//
// It also remembers, per object, the hash and resourceVersion its last apply returned: a live
// object that still carries both is exactly what that apply left, even where the server rewrote
// a value into its canonical form (a quantity "1Gi" read back differently), which a field
// comparison would take for drift and re-apply forever. Thread-safe.
class ApplyDrift {
 public:
  explicit ApplyDrift(std::string hash_annotation);

  // `desired` with the hash annotation set; the hash ignores any hash already there, so stamping
  // is idempotent.
  kube::Json stamp(const kube::Json& desired) const;
  // Whether applying `stamped` (from stamp()) would change `live` (null: no live object).
  bool needsApply(const kube::Json& stamped, const kube::Json* live) const;
  // Records the object an apply of `stamped` returned.
  void remember(const kube::Json& stamped, const kube::Json& applied);
  // Drops what was remembered of an object (it was deleted), or of every object in `ns` whose
  // controller ownerReference names `owner_name` (the owner is gone) or, without one, whose
  // app.kubernetes.io/instance label does. Without it the memory
  // would grow with every object ever applied; forgetting only costs a field comparison later.
  void forget(const kube::Json& object);
  void forgetControlledBy(const std::string& ns, const std::string& owner_name);
  std::size_t size() const;  // objects remembered

  const std::string& hashAnnotation() const { return annotation_; }

 private:
  std::string hashOf(const kube::Json& object) const;

  const std::string annotation_;
  mutable std::mutex mutex_;
  struct Applied {
    std::string hash;              // of the stamped object
    std::string resource_version;  // the apply returned
    std::string owner;             // the controller's name, or the instance label
  };
  // "Kind/namespace/name" → what the last apply of that object left.
  std::map<std::string, Applied> applied_;
};

// `desired` ⊆ `live`: every field of desired has the same value in live (objects recursively,
// arrays element by element with equal length, numbers by value). An empty object, array or null
// in desired matches an absent field, because the API server drops empty values.
bool isSubset(const kube::Json& desired, const kube::Json& live);

}  // namespace runtime

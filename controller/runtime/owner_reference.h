#pragma once

#include <optional>
#include <string>

#include "kube/object.h"

namespace runtime {

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
  bool block_owner_deletion = false;
};

// The ownerReference with `controller: true`, if any. Kubernetes allows at most one; if a
// malformed object carries several, the first wins.
std::optional<OwnerReference> controllerOf(const kube::Object& object);

// A controller ownerReference pointing at `owner` (which must have apiVersion, kind, name, uid),
// with blockOwnerDeletion so foreground deletion of the owner waits for its children.
kube::Json controllerReference(const kube::Object& owner);

// The API group of an apiVersion: "apps/v1" → "apps", "v1" → "".
std::string groupOf(const std::string& api_version);

}  // namespace runtime

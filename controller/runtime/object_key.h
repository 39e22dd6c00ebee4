#pragma once

#include <string>
#include <string_view>

#include "kube/object.h"

namespace runtime {

// What a controller reconciles: the namespace and name of one primary object (never the object
// itself, so a reconcile always reads the latest state from the cache). The work queue holds
// the key itself, ordered by (namespace, name); its string form "<namespace>/<name>" ("<name>"
// when cluster-scoped, like client-go's keys) is for logs.
struct ObjectKey {
  std::string ns;
  std::string name;

  std::string str() const { return ns.empty() ? name : ns + "/" + name; }
  static ObjectKey of(const kube::Object& object);

  bool operator==(const ObjectKey&) const = default;
  auto operator<=>(const ObjectKey&) const = default;
};

}  // namespace runtime

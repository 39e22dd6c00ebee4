#include "runtime/object_key.h"

namespace runtime {

ObjectKey ObjectKey::parse(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

ObjectKey ObjectKey::of(const kube::Object& object) {
  return {kube::namespaceOf(object), kube::name(object)};
}

}  // namespace runtime

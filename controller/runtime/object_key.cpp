#include "runtime/object_key.h"

namespace runtime {

ObjectKey ObjectKey::of(const kube::Object& object) {
  return {kube::namespaceOf(object), kube::name(object)};
}

}  // namespace runtime

#include "registry/render/deep_merge.h"

namespace registry {

kube::Json deepMerge(const kube::Json& base, const kube::Json& overlay) {
  if (!base.is_object() || !overlay.is_object()) return overlay;
  kube::Json merged = base;
  for (const auto& [key, value] : overlay.items()) {
    if (value.is_null()) {
      merged.erase(key);
      continue;
    }
    auto it = merged.find(key);
    if (it == merged.end()) {
      merged[key] = value;
    } else {
      *it = deepMerge(*it, value);
    }
  }
  return merged;
}

}  // namespace registry

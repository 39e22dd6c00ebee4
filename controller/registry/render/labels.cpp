#include "registry/render/labels.h"

#include "runtime/owner_reference.h"

namespace registry {

kube::Json selectorLabels(const RegistryConfig& config, std::string_view component) {
  return {{"app.kubernetes.io/name", "registry"},
          {"app.kubernetes.io/instance", config.name},
          {"app.kubernetes.io/component", component}};
}

kube::Json commonLabels(const RegistryConfig& config, std::string_view component) {
  kube::Json labels = selectorLabels(config, component);
  labels["app.kubernetes.io/managed-by"] = kManagedBy;
  labels["app.kubernetes.io/part-of"] = kManagedBy;
  return labels;
}

std::string allOwnedObjectsSelector() {
  return std::string("app.kubernetes.io/managed-by=") + kManagedBy;
}

bool belongsTo(const kube::Json& live, const RegistryConfig& config) {
  if (auto controller = runtime::controllerOf(live)) {
    return !config.uid.empty() && controller->uid == config.uid;
  }
  return kube::label(live, "app.kubernetes.io/managed-by") == kManagedBy &&
         kube::label(live, "app.kubernetes.io/instance") == config.name;
}

std::string notOwnedObjectsSelector() {
  return std::string("app.kubernetes.io/managed-by!=") + kManagedBy;
}

kube::Json ownerReference(const RegistryConfig& config) {
  return {{"apiVersion", kGroupVersion}, {"kind", kKind},      {"name", config.name},
          {"uid", config.uid},           {"controller", true}, {"blockOwnerDeletion", true}};
}

kube::Json newOwnedObject(const RegistryConfig& config, std::string_view api_version,
                          std::string_view kind, const std::string& name,
                          std::string_view component) {
  kube::Json metadata = {{"name", name},
                         {"namespace", config.namespace_},
                         {"labels", commonLabels(config, component)}};
  if (!config.uid.empty())
    metadata["ownerReferences"] = kube::Json::array({ownerReference(config)});
  return {{"apiVersion", api_version}, {"kind", kind}, {"metadata", std::move(metadata)}};
}

}  // namespace registry

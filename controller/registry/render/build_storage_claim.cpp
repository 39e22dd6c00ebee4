#include "registry/render/builders.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"

namespace registry {

std::optional<kube::Json> buildStorageClaim(const RegistryConfig& config) {
  if (!config.spec.storage.managedClaim()) return std::nullopt;
  const PvcStorage& pvc = *config.spec.storage.pvc();
  kube::Json claim = newOwnedObject(config, "v1", "PersistentVolumeClaim", storageClaimName(config),
                                    kComponentRegistry);
  kube::Json spec = {{"accessModes", pvc.accessModes},
                     {"resources", {{"requests", {{"storage", pvc.size}}}}}};
  if (pvc.storageClassName) spec["storageClassName"] = *pvc.storageClassName;
  claim["spec"] = std::move(spec);
  if (!config.spec.storage.deleteOnRemove) {
    // The registry's data outlives the CR unless the user asked otherwise: deleting the CR
    // garbage-collects owned objects, and this claim must not be one of them then.
    claim["metadata"].erase("ownerReferences");
  }
  return claim;
}

}  // namespace registry

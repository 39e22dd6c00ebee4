#include "registry/render/builders.h"
#include "registry/render/labels.h"

namespace registry {

kube::Json buildServiceAccount(const RegistryConfig& config) {
  // Its own account so that the pods' identity (SCC on OpenShift, image pull secrets) is
  // per-registry; the registry never calls the API, so the pods do not mount its token.
  return newOwnedObject(config, "v1", "ServiceAccount", config.name, kComponentRegistry);
}

}  // namespace registry

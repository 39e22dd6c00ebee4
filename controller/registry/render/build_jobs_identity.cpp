#include "registry/render/builders.h"
#include "registry/render/feature_support.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"
#include "registry/render/service_identity.h"

namespace registry {

std::vector<kube::Json> buildJobsIdentity(const RegistryConfig& config) {
  if (!prunerWanted(config) && !mirrorsWanted(config)) return {};
  // The jobs read their RegistryConfig and report in its status (status.lastPrune,
  // status.mirrors[]); nothing else, and no other RegistryConfig.
  return serviceIdentity(config, jobsName(config), kComponentJobs,
                         kube::Json::array({{{"apiGroups", {"imageregistry.io"}},
                                             {"resources", {"registryconfigs"}},
                                             {"resourceNames", {config.name}},
                                             {"verbs", {"get"}}},
                                            {{"apiGroups", {"imageregistry.io"}},
                                             {"resources", {"registryconfigs/status"}},
                                             {"resourceNames", {config.name}},
                                             {"verbs", {"get", "patch"}}}}));
}

}  // namespace registry

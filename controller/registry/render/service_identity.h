#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kube/object.h"
#include "registry/api/registry_config.h"

namespace registry {

// ServiceAccount, Role and RoleBinding `name` in the CR's namespace, the Role holding `rules`
// (an array of rbac.authorization.k8s.io/v1 PolicyRules) and bound to the ServiceAccount only:
// the identity of one of the operator's workloads, with exactly the rights it needs.
std::vector<kube::Json> serviceIdentity(const RegistryConfig& config, const std::string& name,
                                        std::string_view component, kube::Json rules);

}  // namespace registry

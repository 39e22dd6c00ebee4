#include "registry/render/service_identity.h"

#include "registry/render/labels.h"

namespace registry {

std::vector<kube::Json> serviceIdentity(const RegistryConfig& config, const std::string& name,
                                        std::string_view component, kube::Json rules) {
  constexpr const char* kRbac = "rbac.authorization.k8s.io/v1";
  kube::Json account = newOwnedObject(config, "v1", "ServiceAccount", name, component);
  kube::Json role = newOwnedObject(config, kRbac, "Role", name, component);
  role["rules"] = std::move(rules);
  kube::Json binding = newOwnedObject(config, kRbac, "RoleBinding", name, component);
  binding["roleRef"] = {
      {"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", name}};
  binding["subjects"] = kube::Json::array(
      {{{"kind", "ServiceAccount"}, {"name", name}, {"namespace", config.namespace_}}});
  return {std::move(account), std::move(role), std::move(binding)};
}

}  // namespace registry

#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kube/result.h"
#include "registry/api/registry_config.h"
#include "registry/render/platform.h"

namespace registry {

// "<name>.<namespace>.svc:5000": how pods inside the cluster reach the registry.
std::string internalHostname(const RegistryConfig& config);

// DNS names the registry's serving certificate must cover: N, N.S, N.S.svc,
// N.S.svc.cluster.local.
std::vector<std::string> serviceDnsNames(const RegistryConfig& config);

// Host of the default route when the operator chooses it, i.e. on Kubernetes:
// `N-default-route-S.<ingress domain>`. std::nullopt when spec.defaultRoute is false or on
// OpenShift (the router assigns the host; read it from the Route's status). An Error (kind
// Config, reason DefaultRouteNeedsDomain) when the host cannot be formed: no --ingress-domain,
// or a first label longer than 63 characters. Its message is meant for a status condition.
kube::Result<std::optional<std::string>> defaultRouteHost(const RegistryConfig& config,
                                                          const PlatformOptions& platform);

// The external hosts known without asking the cluster: the default route's host (when
// defaultRouteHost gives one) followed by every non-empty routes[].hostname, in spec order.
// On OpenShift the reconciler adds the router-assigned host read back from the Route.
std::vector<std::string> knownExternalHostnames(const RegistryConfig& config,
                                                const PlatformOptions& platform);

}  // namespace registry

#include "registry/render/hostnames.h"

#include "registry/render/object_names.h"

namespace registry {

std::string internalHostname(const RegistryConfig& config) {
  return config.name + "." + config.namespace_ + ".svc:" + std::to_string(kRegistryPort);
}

std::vector<std::string> serviceDnsNames(const RegistryConfig& config) {
  const std::string service = config.name + "." + config.namespace_;
  return {config.name, service, service + ".svc", service + ".svc.cluster.local"};
}

kube::Result<std::optional<std::string>> defaultRouteHost(const RegistryConfig& config,
                                                          const PlatformOptions& platform) {
  if (!config.spec.defaultRoute || platform.platform == Platform::OpenShift) {
    return std::optional<std::string>();
  }
  if (platform.ingressDomain.empty()) {
    return kube::Error(kube::ErrorKind::Config,
                       "spec.defaultRoute: the default route needs an ingress domain on "
                       "Kubernetes; start the operator with --ingress-domain=<domain>, or list "
                       "the host in spec.routes[].hostname instead",
                       0, "DefaultRouteNeedsDomain");
  }
  // The OpenShift shape: <route name>-<namespace>.<domain>, as one DNS label plus the domain.
  std::string label = defaultRouteName(config) + "-" + config.namespace_;
  if (label.size() > 63) {
    return kube::Error(kube::ErrorKind::Config,
                       "spec.defaultRoute: the default route host label \"" + label +
                           "\" is longer than 63 characters; use a shorter name or namespace, "
                           "or list the host in spec.routes[].hostname instead",
                       0, "DefaultRouteNeedsDomain");
  }
  return std::optional<std::string>(label + "." + platform.ingressDomain);
}

std::vector<std::string> knownExternalHostnames(const RegistryConfig& config,
                                                const PlatformOptions& platform) {
  std::vector<std::string> hosts;
  auto default_host = defaultRouteHost(config, platform);
  if (default_host.ok() && default_host.value()) hosts.push_back(*default_host.value());
  for (const RouteSpec& route : config.spec.routes) {
    if (!route.hostname.empty()) hosts.push_back(route.hostname);
  }
  return hosts;
}

}  // namespace registry

#include "registry/render/builders.h"
#include "registry/render/hostnames.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"

namespace registry {
namespace {

kube::Json ingress(const RegistryConfig& config, const Inputs& inputs, const std::string& name,
                   const std::string& host, const std::string& secret_name) {
  kube::Json object =
      newOwnedObject(config, "networking.k8s.io/v1", "Ingress", name, kComponentRegistry);
  // ingress-nginx is the common controller; other controllers ignore these annotations. Image
  // layers are large, so the request body limit is lifted.
  kube::Json annotations = {{"nginx.ingress.kubernetes.io/proxy-body-size", "0"}};
  if (config.spec.tls.enabled())
    annotations["nginx.ingress.kubernetes.io/backend-protocol"] = "HTTPS";
  object["metadata"]["annotations"] = std::move(annotations);

  auto path = [&](const char* prefix, int port) {
    return kube::Json{
        {"path", prefix},
        {"pathType", "Prefix"},
        {"backend", {{"service", {{"name", config.name}, {"port", {{"number", port}}}}}}}};
  };
  kube::Json paths = kube::Json::array({path("/", kRegistryPort)});
  // The token service's realm on the same host (auth type Kubernetes), so that a client outside
  // the cluster can get its token where it reaches the registry.
  if (config.spec.auth.type == AuthType::Kubernetes) paths.push_back(path("/auth", kAuthPort));
  kube::Json rule = {{"http", {{"paths", std::move(paths)}}}};
  if (!host.empty()) rule["host"] = host;
  kube::Json spec = {{"rules", kube::Json::array({std::move(rule)})}};
  if (!inputs.platform.ingressClass.empty())
    spec["ingressClassName"] = inputs.platform.ingressClass;
  if (!host.empty()) {
    // Without a secretName the controller serves its default certificate for the host.
    kube::Json tls = {{"hosts", kube::Json::array({host})}};
    if (!secret_name.empty()) tls["secretName"] = secret_name;
    spec["tls"] = kube::Json::array({std::move(tls)});
  }
  object["spec"] = std::move(spec);
  return object;
}

kube::Json route(const RegistryConfig& config, const Inputs& inputs, const std::string& name,
                 const std::string& host, const std::string& secret_name,
                 const std::string& path = "") {
  kube::Json object =
      newOwnedObject(config, "route.openshift.io/v1", "Route", name, kComponentRegistry);
  kube::Json tls = {{"insecureEdgeTerminationPolicy", "Redirect"}};
  if (config.spec.tls.enabled()) {
    // Re-encrypt to the pods. With service-ca (mode Auto) the router trusts the serving
    // certificate by itself; a user certificate needs its CA spelled out.
    tls["termination"] = "reencrypt";
    if (config.spec.tls.mode == TlsMode::Secret && inputs.tls && !inputs.tls->caPem.empty()) {
      tls["destinationCACertificate"] = inputs.tls->caPem;
    }
  } else {
    tls["termination"] = "edge";
  }
  // The router reads the certificate from the Secret itself (it needs RBAC to read it).
  if (!secret_name.empty()) tls["externalCertificate"] = {{"name", secret_name}};
  kube::Json spec = {{"to", {{"kind", "Service"}, {"name", config.name}, {"weight", 100}}},
                     {"port", {{"targetPort", path.empty() ? kRegistryPortName : kAuthPortName}}},
                     {"tls", std::move(tls)},
                     {"wildcardPolicy", "None"}};
  // No host: the router assigns `<name>-<namespace>.<apps domain>`.
  if (!host.empty()) spec["host"] = host;
  if (!path.empty()) spec["path"] = path;
  object["spec"] = std::move(spec);
  return object;
}

}  // namespace

std::vector<kube::Json> buildRoutes(const RegistryConfig& config, const Inputs& inputs) {
  bool openshift = inputs.platform.platform == Platform::OpenShift;
  auto make = [openshift](const RegistryConfig& c, const Inputs& i, const std::string& name,
                          const std::string& host, const std::string& secret_name) {
    return openshift ? route(c, i, name, host, secret_name)
                     : ingress(c, i, name, host, secret_name);
  };
  std::vector<kube::Json> objects;
  if (config.spec.defaultRoute) {
    if (openshift) {
      objects.push_back(make(config, inputs, defaultRouteName(config), "", ""));
    } else if (auto host = defaultRouteHost(config, inputs.platform); host.ok() && host.value()) {
      objects.push_back(make(config, inputs, defaultRouteName(config), *host.value(), ""));
    }
    // Otherwise there is no host to give the Ingress; the reconciler reports why (see
    // defaultRouteHost) rather than exposing the registry on every host.
  }
  for (const RouteSpec& extra : config.spec.routes) {
    objects.push_back(
        make(config, inputs, routeObjectName(config, extra), extra.hostname, extra.secretName));
    // A Route has one backend port, so the token service's realm on the same host is a second
    // Route for its path (an Ingress carries both paths). Only with a host given: the realm
    // names it (knownExternalHostnames), while a router-assigned host is not known in advance.
    if (openshift && config.spec.auth.type == AuthType::Kubernetes && !extra.hostname.empty()) {
      objects.push_back(route(config, inputs, routeObjectName(config, extra) + "-auth",
                              extra.hostname, extra.secretName, "/auth"));
    }
  }
  return objects;
}

}  // namespace registry

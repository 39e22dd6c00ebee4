#include "registry/render/builders.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"

namespace registry {

kube::Json buildService(const RegistryConfig& config, const Inputs& inputs) {
  kube::Json service = newOwnedObject(config, "v1", "Service", config.name, kComponentRegistry);
  if (inputs.platform.platform == Platform::OpenShift && config.spec.tls.mode == TlsMode::Auto) {
    // service-ca issues the serving certificate into N-tls for this Service.
    service["metadata"]["annotations"] = {
        {"service.beta.openshift.io/serving-cert-secret-name", tlsSecretName(config)}};
  }
  kube::Json ports = kube::Json::array({{{"name", kRegistryPortName},
                                         {"port", kRegistryPort},
                                         {"targetPort", kRegistryPortName},
                                         {"protocol", "TCP"}}});
  // The token service's realm, for clients that reach the registry by this Service's name.
  if (config.spec.auth.type == AuthType::Kubernetes) {
    ports.push_back({{"name", kAuthPortName},
                     {"port", kAuthPort},
                     {"targetPort", kAuthPortName},
                     {"protocol", "TCP"}});
  }
  service["spec"] = {
      {"type", "ClusterIP"},
      {"selector", selectorLabels(config, kComponentRegistry)},
      {"ports", std::move(ports)},
  };
  return service;
}

}  // namespace registry

#include "registry/render/builders.h"
#include "registry/render/hostnames.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"
#include "registry/render/service_identity.h"

namespace registry {
namespace {

constexpr const char* kHostRoot = "/host";
constexpr const char* kCaVolume = "registry-ca";
constexpr const char* kCaDir = "/etc/registry-ca";

// The node paths node-ca writes, each its own hostPath volume so that nothing else of the
// node's /etc is visible to the pod. DirectoryOrCreate: a node without docker or podman still
// gets the directory, which their tools read once installed.
constexpr std::pair<const char*, const char*> kCertsDirs[] = {
    {"docker-certs", "/etc/docker/certs.d"},
    {"containers-certs", "/etc/containers/certs.d"},
    {"containerd-certs", "/etc/containerd/certs.d"},
};
constexpr const char* kHostsFile = "/etc/hosts";

bool wanted(const RegistryConfig& config) {
  return config.spec.managed(ComponentKind::NodeCA) ||
         config.spec.managed(ComponentKind::NodeResolver);
}

// The CA node-ca distributes: N-ca (the operator's CA, or service-ca's on OpenShift), or the
// ca.crt of the user's TLS Secret (only that key is projected, never the private key).
kube::Json caVolume(const RegistryConfig& config, const Inputs& inputs, std::string& ca_file) {
  if (config.spec.tls.mode == TlsMode::Secret) {
    ca_file = std::string(kCaDir) + "/" + kCaKey;
    return {{"name", kCaVolume},
            {"secret",
             {{"secretName", config.spec.tls.secretName},
              {"items", kube::Json::array({{{"key", kCaKey}, {"path", kCaKey}}})}}}};
  }
  const char* key = inputs.platform.platform == Platform::OpenShift ? kServiceCaKey : kCaKey;
  ca_file = std::string(kCaDir) + "/" + key;
  return {{"name", kCaVolume}, {"configMap", {{"name", caConfigMapName(config)}}}};
}

kube::Json container(const RegistryConfig& config, const Inputs& inputs, bool distributes_ca,
                     const std::string& ca_file) {
  const std::string owner = config.namespace_ + "/" + config.name;
  kube::Json command = {
      "registry-operator", "node-ca", "--host-root", kHostRoot,
      "--owner",           owner,     "--daemonset", config.namespace_ + "/" + nodeCaName(config)};
  kube::Json mounts = kube::Json::array();
  if (distributes_ca) {
    command.push_back("--ca-file");
    command.push_back(ca_file);
    command.push_back("--host");
    command.push_back(internalHostname(config));
    for (const auto& host : knownExternalHostnames(config, inputs.platform)) {
      command.push_back("--host");
      command.push_back(host);
    }
    mounts.push_back({{"name", kCaVolume}, {"mountPath", kCaDir}, {"readOnly", true}});
  }
  // Mounted whichever component is on: when one is switched off, the rolled pod removes what it
  // wrote (node-ca with no --host, or no --resolve), while the DaemonSet stays for the other.
  for (const auto& [volume, path] : kCertsDirs) {
    mounts.push_back({{"name", volume}, {"mountPath", std::string(kHostRoot) + path}});
  }
  mounts.push_back({{"name", "hosts"}, {"mountPath", std::string(kHostRoot) + kHostsFile}});
  // Until the Service has its ClusterIP (the first reconcile) there is nothing to resolve to;
  // the Service's creation reconciles again.
  if (config.spec.managed(ComponentKind::NodeResolver) && !inputs.serviceClusterIP.empty()) {
    command.push_back("--resolve");
    command.push_back(config.name + "." + config.namespace_ + ".svc=" + inputs.serviceClusterIP);
  }
  return {
      {"name", "node-ca"},
      {"image", inputs.platform.operatorImage},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", std::move(command)},
      {"resources", {{"requests", {{"cpu", "5m"}, {"memory", "16Mi"}}}}},
      {"volumeMounts", std::move(mounts)},
      // Root only to write the node's root-owned files; no capability, no escalation.
      {"securityContext",
       {{"runAsUser", 0},
        {"runAsNonRoot", false},
        {"allowPrivilegeEscalation", false},
        {"readOnlyRootFilesystem", true},
        {"capabilities", {{"drop", kube::Json::array({"ALL"})}}}}},
  };
}

}  // namespace

std::vector<kube::Json> buildNodeCa(const RegistryConfig& config, const Inputs& inputs) {
  if (!wanted(config)) return {};
  const std::string name = nodeCaName(config);
  // Nothing to trust without TLS: the registry would have to be declared insecure on every
  // node, which node-ca never does (reported as NodeCANeedsTls).
  const bool distributes_ca =
      config.spec.managed(ComponentKind::NodeCA) && config.spec.tls.enabled();

  // node-ca asks, when it is stopped, whether its DaemonSet is going away (then it removes what
  // it wrote) or is only being rolled (then the node keeps trusting the registry).
  std::vector<kube::Json> objects =
      serviceIdentity(config, name, kComponentNodeCa,
                      kube::Json::array({{{"apiGroups", {"apps"}},
                                          {"resources", {"daemonsets"}},
                                          {"resourceNames", {name}},
                                          {"verbs", {"get"}}}}));

  std::string ca_file;
  kube::Json volumes = kube::Json::array();
  if (distributes_ca) volumes.push_back(caVolume(config, inputs, ca_file));
  for (const auto& [volume, path] : kCertsDirs) {
    volumes.push_back(
        {{"name", volume}, {"hostPath", {{"path", path}, {"type", "DirectoryOrCreate"}}}});
  }
  volumes.push_back({{"name", "hosts"}, {"hostPath", {{"path", kHostsFile}, {"type", "File"}}}});
  kube::Json labels = commonLabels(config, kComponentNodeCa);
  kube::Json daemon_set = newOwnedObject(config, "apps/v1", "DaemonSet", name, kComponentNodeCa);
  daemon_set["spec"] = {
      {"selector", {{"matchLabels", selectorLabels(config, kComponentNodeCa)}}},
      {"updateStrategy", {{"type", "RollingUpdate"}}},
      {"template",
       {{"metadata", {{"labels", labels}}},
        {"spec",
         {{"serviceAccountName", name},
          {"enableServiceLinks", false},
          {"nodeSelector", {{"kubernetes.io/os", "linux"}}},
          // Every node pulls images, tainted ones included: OKD's node-ca tolerates all taints.
          {"tolerations", kube::Json::array({{{"operator", "Exists"}}})},
          {"priorityClassName", "system-node-critical"},
          {"terminationGracePeriodSeconds", 30},
          {"securityContext", {{"seccompProfile", {{"type", "RuntimeDefault"}}}}},
          {"containers", kube::Json::array({container(config, inputs, distributes_ca, ca_file)})},
          {"volumes", std::move(volumes)}}}}},
  };
  objects.push_back(std::move(daemon_set));
  return objects;
}

}  // namespace registry

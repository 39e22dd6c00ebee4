#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kube/result.h"

namespace kube {

// A client.authentication.k8s.io exec credential plugin (e.g. `oc`, cloud CLIs).
struct ExecConfig {
  std::string api_version = "client.authentication.k8s.io/v1";
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  // Not from the kubeconfig. The longest one run of the plugin may take, from its start to its
  // exit (reading its output and waiting for it to end); then it and its process group are
  // killed. A plugin waiting for a login that never comes must not hang the operator.
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
  // Not from the kubeconfig. How long before its expirationTimestamp a credential is renewed.
  // Until it really expires, other requests go on with it while one caller runs the plugin.
  std::chrono::seconds renew_before_expiry{10};
};

// Everything needed to reach and authenticate to one API server, whatever it was loaded from.
struct ClusterConfig {
  std::string server;                     // "https://127.0.0.1:6443"
  std::string ca_pem;                     // empty: the system trust store
  bool insecure_skip_tls_verify = false;  // only when the kubeconfig says so
  std::string tls_server_name;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string bearer_token;
  std::string token_file;  // re-read as it rotates (service-account tokens)
  std::optional<ExecConfig> exec;
  std::string default_namespace = "default";
  // How often Client::send waits out a 429's Retry-After and tries again (client-go's 10); 0
  // leaves every 429 to the caller.
  int max_throttled_retries = 10;
};

// Parses kubeconfig YAML. Relative file paths resolve against `base_dir` (the file's folder).
// `context` empty means the current-context.
Result<ClusterConfig> parseKubeconfig(const std::string& yaml_text, const std::string& base_dir,
                                      const std::string& context = {});
Result<ClusterConfig> loadKubeconfigFile(const std::string& path, const std::string& context = {});

// The in-cluster service-account config: KUBERNETES_SERVICE_HOST/PORT and the files in `dir`.
Result<ClusterConfig> loadInClusterConfig(
    const std::string& dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// --kubeconfig if given, else $KUBECONFIG, else in-cluster, else ~/.kube/config.
Result<ClusterConfig> loadDefaultConfig(const std::string& explicit_path = {});

}  // namespace kube

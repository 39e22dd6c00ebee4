// `registry-operator ca`: the CA bundle clients must trust to reach a registry, on stdout or as
// podman/docker certs.d files.
#include <iostream>
#include <string>

#include "cmd/cluster_client.h"
#include "cmd/commands.h"
#include "cmd/logging.h"
#include "cmd/options.h"
#include "kube/client.h"
#include "registry/reconcile/trusted_ca.h"

namespace cmd {

namespace po = boost::program_options;

namespace {

// Errors go out as one line, whatever the server put in its message.
std::string oneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

int fail(const std::string& message) {
  std::cerr << "registry-operator ca: " << oneLine(message) << "\n";
  return 1;
}

}  // namespace

int runCa(int argc, char** argv) {
  po::options_description options("Options");
  std::string kubeconfig, ns, name, certs_d;
  options.add_options()("help,h", "show this help")(
      "kubeconfig", po::value(&kubeconfig),
      "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)")(
      "namespace,n", po::value(&ns)->required(), "namespace of the RegistryConfig")(
      "name", po::value(&name)->required(), "name of the RegistryConfig")(
      "certs-d", po::value(&certs_d),
      "write DIR/<host>/ca.crt for every host of the registry (the layout of "
      "/etc/containers/certs.d and /etc/docker/certs.d) instead of printing the bundle");
  po::variables_map vars;
  if (auto exit = parseOptions(
          argc, argv, options, vars,
          "Usage: registry-operator ca [--kubeconfig K] --namespace S --name N [--certs-d DIR]\n\n"
          "Prints the CA certificates (PEM; during a rotation both the old and the new CA) that\n"
          "clients must trust to reach the registry of RegistryConfig N, or writes them where\n"
          "podman and docker look for them: DIR/N.S.svc:5000/ca.crt and\n"
          "DIR/<external host>/ca.crt for each of status.externalHostnames.")) {
    return *exit;
  }
  if (ns.empty() || name.empty()) {
    std::cerr << "registry-operator ca: --namespace and --name must not be empty\n";
    return 2;
  }
  if (vars.count("certs-d") && certs_d.empty()) {
    std::cerr << "registry-operator ca: --certs-d must name a directory\n";
    return 2;
  }
  // Anything the client logs goes to stderr, never into the PEM on stdout.
  if (auto logging = setupLogging("warn", "text"); !logging) return fail(logging.error().message());

  auto client = connectToCluster(kubeconfig);
  if (!client) return fail(client.error().message());
  auto trusted = registry::fetchTrustedCa(*client, ns, name);
  if (!trusted) return fail(trusted.error().message());

  if (certs_d.empty()) {
    std::cout << trusted->caBundle << std::flush;
    return std::cout ? 0 : fail("cannot write to stdout");
  }
  auto files = registry::certsDFiles(trusted->config, trusted->status, trusted->caBundle);
  if (!files) return fail(files.error().message());
  auto written = registry::writeCaFiles(certs_d, *files);
  if (!written) return fail(written.error().message());
  for (const auto& path : *written) std::cout << path << "\n";
  return 0;
}

}  // namespace cmd

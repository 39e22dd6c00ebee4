// `registry-operator render -f cr.yaml`: the objects the operator would create, offline.
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "kube/yaml_json.h"
#include "registry/api/htpasswd_user.h"
#include "registry/api/registry_config.h"
#include "registry/render/builders.h"
#include "registry/render/feature_support.h"
#include "registry/render/generated_user.h"
#include "registry/render/http_secret.h"
#include "registry/render/security_context.h"
#include "registry/render/tls_issuer.h"

namespace cmd {

namespace po = boost::program_options;

namespace {

kube::Result<std::string> readInput(const std::string& path) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return kube::Error(kube::ErrorKind::Config, "cannot read " + path);
  text << in.rdbuf();
  return text.str();
}

// The same objects the controller applies for `cr`, with freshly generated secrets (there is
// no cluster to read the stored ones from).
kube::Result<std::vector<kube::Json>> renderOne(kube::Json cr, registry::Inputs inputs,
                                                const std::string& default_namespace) {
  // Like `kubectl apply`, a manifest without a namespace lands in the default one.
  if (kube::namespaceOf(cr).empty() && cr["metadata"].is_object()) {
    cr["metadata"]["namespace"] = default_namespace;
  }
  auto config = registry::parseRegistryConfig(cr);
  if (!config) return config.error();
  auto secret = registry::generateHttpSecret();
  if (!secret) return secret.error();
  inputs.httpSecret = *secret;
  if (config->spec.tls.mode == registry::TlsMode::Auto &&
      inputs.platform.platform == registry::Platform::Kubernetes) {
    auto tls = registry::ensureTls({}, registry::registryDnsNames(*config),
                                   std::chrono::system_clock::now(), registry::TlsPolicy{});
    if (!tls) return tls.error();
    inputs.tls = tls->serving;
    inputs.ca = tls->ca;
  }
  // The generated users, as a first reconcile makes them; a users or htpasswd Secret cannot be
  // read offline, so their htpasswd is not rendered.
  if (config->spec.auth.generatesAdmin()) {
    auto admin = registry::ensureGeneratedUser(config->spec.auth.initialAdmin, std::nullopt, "");
    if (!admin) return admin.error();
    inputs.htpasswd = admin->htpasswd;
    inputs.initialAdmin = *admin;
  }
  if (registry::jobsNeedCredentials(*config)) {
    auto jobs = registry::ensureGeneratedUser(registry::kJobsUser, std::nullopt, "");
    if (!jobs) return jobs.error();
    if (inputs.htpasswd) *inputs.htpasswd += jobs->htpasswd;
    inputs.jobsUser = *jobs;
  }
  return registry::desiredObjects(*config, inputs);
}

}  // namespace

int runRender(int argc, char** argv) {
  po::options_description options("Options");
  std::string file, platform, bundle_file, ns, output, run_as_user, run_as_group;
  registry::Inputs inputs;
  const std::string run_as_help =
      "UID of the pods (also GID and fsGroup), or auto to let the platform choose (default: " +
      std::to_string(registry::kDefaultRunAsUser) + " on kubernetes, auto on openshift)";
  options.add_options()("help,h", "show this help")("filename,f", po::value(&file)->required(),
                                                    "RegistryConfig YAML file ('-' for stdin)")(
      "output,o", po::value(&output)->default_value("yaml"),
      "yaml (documents) or json (a v1 List)")(
      "namespace,n", po::value(&ns)->default_value("default"), "namespace of CRs that name none")(
      "platform", po::value(&platform)->default_value("kubernetes"), "kubernetes|openshift")(
      "ingress-domain", po::value(&inputs.platform.ingressDomain), "domain of default-route hosts")(
      "ingress-class", po::value(&inputs.platform.ingressClass), "ingressClassName of Ingresses")(
      "registry-image",
      po::value(&inputs.platform.registryImage)->default_value(registry::kDefaultRegistryImage),
      "registry image when spec.image is empty")("run-as-user", po::value(&run_as_user),
                                                 run_as_help.c_str())(
      "run-as-group", po::value(&run_as_group), "GID and fsGroup of the pods (default: the UID)")(
      "config-bundle", po::value(&bundle_file),
      "file standing in for the config.yml of spec.configBundleSecret");
  po::variables_map vars;
  if (auto exit = parseOptions(argc, argv, options, vars,
                               "Usage: registry-operator render -f cr.yaml [OPTIONS]")) {
    return *exit;
  }
  if (platform != "kubernetes" && platform != "openshift") {
    std::cerr << "registry-operator render: --platform must be kubernetes or openshift\n";
    return 2;
  }
  inputs.platform.platform =
      platform == "openshift" ? registry::Platform::OpenShift : registry::Platform::Kubernetes;
  auto run_as = registry::parseRunAs(run_as_user, run_as_group);
  if (!run_as) {
    std::cerr << "registry-operator render: " << run_as.error().message() << "\n";
    return 2;
  }
  inputs.platform.runAs = *run_as;
  if (!bundle_file.empty()) {
    auto bundle = readInput(bundle_file);
    if (!bundle) {
      std::cerr << "registry-operator render: " << bundle.error().message() << "\n";
      return 1;
    }
    inputs.configBundle = *bundle;
  }
  auto text = readInput(file);
  if (!text) {
    std::cerr << "registry-operator render: " << text.error().message() << "\n";
    return 1;
  }
  auto documents = kube::yamlDocumentsToJson(*text);
  if (!documents) {
    std::cerr << "registry-operator render: " << file << ": " << documents.error().message()
              << "\n";
    return 1;
  }
  if (output != "yaml" && output != "json") {
    std::cerr << "registry-operator render: --output must be yaml or json\n";
    return 2;
  }
  int rendered = 0;
  kube::Json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", kube::Json::array()}};
  for (const auto& document : *documents) {
    if (!document.is_object() || document.value("kind", kube::Json()) != "RegistryConfig") continue;
    auto objects = renderOne(document, inputs, ns);
    if (!objects) {
      std::cerr << "registry-operator render: " << file << ": " << objects.error().message()
                << "\n";
      return 1;
    }
    for (const auto& object : *objects) {
      if (output == "json") {
        list["items"].push_back(object);
      } else {
        std::cout << "---\n" << kube::jsonToYaml(object);
      }
    }
    ++rendered;
  }
  if (rendered == 0) {
    std::cerr << "registry-operator render: " << file << " contains no RegistryConfig\n";
    return 1;
  }
  if (output == "json") std::cout << list.dump(2) << "\n";
  return 0;
}

}  // namespace cmd

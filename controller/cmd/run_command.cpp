// `registry-operator run`: the controller.
#include <fmt/ranges.h>

#include <spdlog/spdlog.h>
#include <algorithm>

#include "cmd/commands.h"
#include "cmd/logging.h"
#include "cmd/options.h"
#include "kube/cpprest_transport.h"
#include "kube/discovery.h"
#include "registry/reconcile/cluster_roles.h"
#include "registry/reconcile/registry_controller.h"
#include "registry/render/security_context.h"
#include "runtime/backoff.h"
#include "runtime/clock.h"
#include "runtime/manager.h"
#include "runtime/process_exit.h"
#include "runtime/random.h"
#include "runtime/retry.h"
#include "runtime/signals.h"

namespace cmd {

namespace po = boost::program_options;

namespace {

constexpr const char* kRunEnvPrefix = "REGISTRY_OPERATOR_";

// "a,b" -> a, b; empty entries dropped, so "" (or only commas) means every namespace.
std::vector<std::string> splitNamespaceLists(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t comma = std::min(value.find(',', start), value.size());
      if (comma > start) out.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

// --platform auto asks the API server whether it serves Routes. The operator may start before
// the API server answers (a control plane coming up, a network hiccup at rollout): that is
// retried with backoff until it works or shutdown is requested, not a crash loop.
kube::Result<registry::Platform> detectPlatform(const std::string& flag, kube::Client& client,
                                                const kube::CancelToken& cancel) {
  if (flag == "openshift") return registry::Platform::OpenShift;
  if (flag == "kubernetes") return registry::Platform::Kubernetes;
  if (flag != "auto") {
    return kube::Error(kube::ErrorKind::Config, "--platform must be auto, openshift or kubernetes");
  }
  runtime::Backoff backoff({}, runtime::realRandom());
  auto served = runtime::retryUntilCancelled<bool>(
      "platform detection (is route.openshift.io/v1 served?)",
      [&]() -> kube::Result<bool> {
        return kube::isServed(client, "route.openshift.io", "v1", "Route");
      },
      backoff, *runtime::realClock(), cancel);
  if (!served) return served.error();
  return *served ? registry::Platform::OpenShift : registry::Platform::Kubernetes;
}

}  // namespace

int runController(int argc, char** argv) {
  // First, before any thread exists: every later thread inherits the blocked signal mask.
  kube::CancelToken cancel;
  runtime::SignalHandler signals(cancel);

  po::options_description options("Options");
  std::string kubeconfig, platform_flag, log_level, log_format, metrics_addr, health_addr;
  std::string lease_namespace, run_as_user, run_as_group;
  std::size_t io_threads = 2;
  std::vector<std::string> namespaces;
  registry::RegistryControllerOptions controller;
  // OLM's convention for the images an operator deploys (a bundle's relatedImages).
  const char* image_env = std::getenv("RELATED_IMAGE_REGISTRY");
  const char* operator_image_env = std::getenv("RELATED_IMAGE_OPERATOR");
  const std::string run_as_help =
      "UID of the registry and pruner pods (also their GID and fsGroup), or auto to let the "
      "platform choose (default: " +
      std::to_string(registry::kDefaultRunAsUser) + " on Kubernetes, auto on OpenShift)";
  options.add_options()("help,h", "show this help")(
      "kubeconfig", po::value(&kubeconfig),
      "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)")(
      "namespace", po::value(&namespaces)->composing(),
      "namespace to watch (repeatable or comma-separated; default: all)")(
      "leader-elect", po::bool_switch(), "elect a leader with a coordination.k8s.io Lease")(
      "leader-election-namespace", po::value(&lease_namespace),
      "namespace of the Lease (default: the kubeconfig's namespace)")(
      "metrics-addr", po::value(&metrics_addr)->default_value("127.0.0.1:8080"),
      "address of /metrics (empty: off)")("health-addr",
                                          po::value(&health_addr)->default_value("127.0.0.1:8081"),
                                          "address of /healthz and /readyz (empty: off)")(
      "log-level", po::value(&log_level)->default_value("info"), "error|warn|info|debug|trace")(
      "log-format", po::value(&log_format)->default_value("text"), "text|json")(
      "platform", po::value(&platform_flag)->default_value("auto"), "auto|openshift|kubernetes")(
      "ingress-domain", po::value(&controller.platform.ingressDomain),
      "domain of default-route hosts on Kubernetes (N-default-route-S.<domain>)")(
      "ingress-class", po::value(&controller.platform.ingressClass),
      "ingressClassName of Ingresses")(
      "registry-image",
      po::value(&controller.platform.registryImage)
          ->default_value(image_env ? image_env : registry::kDefaultRegistryImage),
      "registry image when spec.image is empty (env RELATED_IMAGE_REGISTRY)")(
      "operator-image",
      po::value(&controller.platform.operatorImage)
          ->default_value(operator_image_env ? operator_image_env
                                             : registry::kDefaultOperatorImage),
      "image of this operator, for the pruner, mirror and node-ca pods (env "
      "RELATED_IMAGE_OPERATOR)")("run-as-user", po::value(&run_as_user), run_as_help.c_str())(
      "run-as-group", po::value(&run_as_group),
      "GID and fsGroup of those pods (default: the --run-as-user UID)")(
      "workers", po::value(&controller.workers)->default_value(2), "concurrent reconciles")(
      "io-threads", po::value(&io_threads)->default_value(2),
      "threads that wait on the API server's sockets (cpprestsdk's pool; its default is 40)");
  po::variables_map vars;
  if (auto exit =
          parseOptions(argc, argv, options, vars,
                       "Usage: registry-operator run [OPTIONS]\n\nEvery option may also be set "
                       "with REGISTRY_OPERATOR_<OPTION> (--ingress-domain: "
                       "REGISTRY_OPERATOR_INGRESS_DOMAIN); the command line wins.",
                       kRunEnvPrefix)) {
    return *exit;
  }
  if (auto logging = setupLogging(log_level, log_format); !logging) {
    std::cerr << "registry-operator run: " << logging.error().message() << "\n";
    return 2;
  }
  // Hidden, for tests of renewal and rotation: read here once, never deeper down.
  const char* ca_validity = std::getenv(registry::kCaValidityEnv);
  const char* cert_validity = std::getenv(registry::kCertValidityEnv);
  auto tls_policy = registry::tlsPolicyFrom(ca_validity, cert_validity);
  if (!tls_policy) {
    std::cerr << "registry-operator run: " << tls_policy.error().message() << "\n";
    return 2;
  }
  controller.tls = *tls_policy;
  if ((ca_validity && *ca_validity) || (cert_validity && *cert_validity)) {
    spdlog::warn("TLS lifetimes from the environment: CA {}s, serving certificate {}s",
                 controller.tls.caValidity.count(), controller.tls.certValidity.count());
  }
  auto run_as = registry::parseRunAs(run_as_user, run_as_group);
  if (!run_as) {
    std::cerr << "registry-operator run: " << run_as.error().message() << "\n";
    return 2;
  }
  controller.platform.runAs = *run_as;
  if (auto sized = kube::setIoThreads(io_threads); !sized) {
    std::cerr << "registry-operator run: --io-threads: " << sized.error().message() << "\n";
    return 2;
  }
  auto config = kube::loadDefaultConfig(kubeconfig);
  if (!config) {
    spdlog::error("cannot load cluster configuration: {}", config.error().message());
    return 1;
  }
  auto client = kube::Client::create(*config);
  if (!client) {
    spdlog::error("cannot create the API client: {}", client.error().message());
    return 1;
  }
  auto platform = detectPlatform(platform_flag, **client, cancel);
  if (!platform) {
    if (platform.error().is(kube::ErrorKind::Cancelled)) {
      // Asked to stop before the API server ever answered: a clean, requested stop.
      spdlog::info("shutdown requested during platform detection: {}", platform.error().message());
      return 0;
    }
    spdlog::error("platform detection failed: {}", platform.error().describe());
    return 1;
  }
  controller.platform.platform = *platform;
  // One value may list several, comma-separated: OLM hands the operator its target namespaces
  // so (annotation olm.targetNamespaces, "" for all namespaces), through
  // REGISTRY_OPERATOR_NAMESPACE.
  namespaces = splitNamespaceLists(namespaces);
  // A namespace named twice would get two controllers reconciling the same keys at once.
  std::sort(namespaces.begin(), namespaces.end());
  namespaces.erase(std::unique(namespaces.begin(), namespaces.end()), namespaces.end());
  controller.namespaces = namespaces;
  spdlog::info("registry-operator {} starting: platform {}, namespaces {}",
               REGISTRY_OPERATOR_VERSION,
               *platform == registry::Platform::OpenShift ? "openshift" : "kubernetes",
               namespaces.empty() ? "all" : fmt::format("{}", fmt::join(namespaces, ",")));

  // Shared by every RegistryConfig with auth type Kubernetes; a failure is not fatal (the
  // administrator may grant the rights with roles of their own), so it is logged.
  if (auto roles = registry::ensureRegistryClusterRoles(*client, cancel); !roles) {
    spdlog::warn("ClusterRoles registry-viewer and registry-editor: {}", roles.error().describe());
  }

  runtime::ManagerOptions manager_options;
  manager_options.metrics_address = metrics_addr;
  manager_options.health_address = health_addr;
  manager_options.leader_elect = vars["leader-elect"].as<bool>();
  // The controllers' 30 s drain, then 10 s for the lease release, the events and the endpoints.
  manager_options.stop_deadline = std::chrono::seconds(40);
  manager_options.leader_election.lease_namespace =
      lease_namespace.empty() ? config->default_namespace : lease_namespace;
  runtime::Manager manager(*client, manager_options);
  registry::addRegistryControllers(manager, controller);
  int status = manager.run(cancel);
  if (!manager.drained()) {
    // Reconciles past their shutdown deadline still run on detached threads, using the
    // manager, the client and the controllers' state: returning would destroy all of that
    // under them (and run static destructors alongside). End the process here instead.
    runtime::exitNow(status,
                     "in-flight reconciles did not finish by the shutdown deadline; not waiting "
                     "for them");
  }
  spdlog::info("registry-operator stopped (exit status {})", status);
  return status;
}

}  // namespace cmd

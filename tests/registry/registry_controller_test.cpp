// The controller wiring (registry_controller.h): which RegistryConfigs a Secret maps to, and the
// registry controllers run by a Manager over the fake API server.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "kube/base64.h"
#include "kube/yaml_json.h"
#include "registry/reconcile/registry_controller.h"
#include "runtime/manager.h"
#include "support/fake_api_server.h"
#include "test_support.h"

using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::kNoPruner;
using testsupport::FakeApiServer;
using testsupport::Json;

TEST_CASE("a Secret maps to the RegistryConfigs of its namespace that name it") {
  auto cr = [](const char* ns, const char* name, kube::Json spec) {
    return std::make_shared<const kube::Json>(
        kube::Json{{"metadata", {{"namespace", ns}, {"name", name}}}, {"spec", spec}});
  };
  std::vector<std::shared_ptr<const kube::Json>> crs = {
      cr("a", "bundle", {{"configBundleSecret", "s"}}),
      cr("a", "htpasswd", {{"auth", {{"type", "Htpasswd"}, {"htpasswdSecret", "s"}}}}),
      cr("a", "users", {{"auth", {{"type", "Htpasswd"}, {"usersSecret", "s"}}}}),
      cr("a", "tls", {{"tls", {{"mode", "Secret"}, {"secretName", "s"}}}}),
      cr("a", "s3", {{"storage", {{"s3", {{"credentialsSecret", "s"}}}}}}),
      cr("a", "pull", {{"mirrors", {{{"name", "m"}, {"pullSecret", "s"}}}}}),
      cr("a", "mirror-ca", {{"mirrors", {{{"name", "m"}}, {{"name", "n"}, {"caSecret", "s"}}}}}),
      cr("a", "mirrors-garbage", {{"mirrors", "s"}}),
      cr("a", "other", {{"configBundleSecret", "t"}}),
      cr("b", "elsewhere", {{"configBundleSecret", "s"}}),
      cr("a", "garbage", {{"configBundleSecret", 5}, {"tls", "x"}}),
  };
  kube::Json secret = {{"metadata", {{"namespace", "a"}, {"name", "s"}}}};
  using Keys = std::vector<runtime::ObjectKey>;
  CHECK(registry::registryConfigsReferencing(secret, crs) == Keys{{"a", "bundle"},
                                                                  {"a", "htpasswd"},
                                                                  {"a", "users"},
                                                                  {"a", "tls"},
                                                                  {"a", "s3"},
                                                                  {"a", "pull"},
                                                                  {"a", "mirror-ca"}});
  // N-tls (written by service-ca on OpenShift, without an ownerReference) maps to N.
  kube::Json tls = {{"metadata", {{"namespace", "a"}, {"name", "bundle-tls"}}}};
  CHECK(registry::registryConfigsReferencing(tls, crs) == Keys{{"a", "bundle"}});
  // The same names in another namespace map to nothing here.
  kube::Json elsewhere_tls = {{"metadata", {{"namespace", "c"}, {"name", "bundle-tls"}}}};
  CHECK(registry::registryConfigsReferencing(elsewhere_tls, crs).empty());
  kube::Json elsewhere = {{"metadata", {{"namespace", "c"}, {"name", "s"}}}};
  CHECK(registry::registryConfigsReferencing(elsewhere, crs).empty());
}

namespace {

const std::string kCrs = "/apis/imageregistry.io/v1alpha1/registryconfigs";
const std::string kSecrets = "/api/v1/secrets";
const std::string kDeployments = "/apis/apps/v1/deployments";

// The Degraded condition's reason in the fake's copy of the CR ("" before there is one).
std::string degradedReason(const FakeApiServer& server) {
  auto cr = server.object(kCrs, "registry/image-registry");
  if (!cr) return {};
  for (const auto& condition : kube::at(*cr, "/status/conditions", Json::array())) {
    if (condition.value("type", "") == "Degraded") return condition.value("reason", "");
  }
  return {};
}

// A Manager with the registry controllers over a fake API server, for `namespaces` (empty: all);
// run() starts it on a thread, which stops and is joined when the fixture goes.
struct RunningControllers {
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>();
  std::unique_ptr<runtime::Manager> manager;
  kube::CancelToken cancel;
  std::atomic<int> exit_code{-1};
  std::thread runner;

  explicit RunningControllers(std::vector<std::string> namespaces) {
    runtime::ManagerOptions manager_options;
    manager_options.metrics_address.clear();
    manager_options.health_address.clear();
    manager = std::make_unique<runtime::Manager>(FakeApiServer::clientFor(server), manager_options);
    registry::RegistryControllerOptions options;
    options.platform.platform = registry::Platform::Kubernetes;
    options.platform.ingressDomain = "apps.example.com";
    options.namespaces = std::move(namespaces);
    registry::addRegistryControllers(*manager, options);
  }
  void run() {
    runner = std::thread([this] { exit_code = manager->run(cancel); });
  }
  // Stops the manager and returns its exit code.
  int stop() {
    cancel.cancel();
    if (runner.joinable()) runner.join();
    return exit_code;
  }
  ~RunningControllers() { stop(); }
};

}  // namespace

// "alice-password" in bcrypt (cost 4): the operator refuses any other kind of entry.
const std::string kAliceEntry =
    "alice:$2y$04$IOOWyF4D6ozKnH3uqdHQEOmhpB59IJ4n.m2fLVO7qdg96vAmddlrG\n";

TEST_CASE(
    "the registry controllers reconcile a RegistryConfig again when a Secret it names "
    "appears") {
  RunningControllers controllers({"registry"});
  auto& server = controllers.server;

  // The htpasswd Secret the CR names does not exist yet: nothing is applied.
  auto cr = kube::yamlToJson(crWithSpec(
      kEmptyDir + "  auth:\n    type: Htpasswd\n    htpasswdSecret: users\n" + kNoPruner));
  REQUIRE(cr);
  server->put(kCrs, *cr);
  controllers.run();

  CHECK(server->waitFor([&] { return degradedReason(*server) == "HtpasswdUnavailable"; }));
  CHECK_FALSE(server->object(kDeployments, "registry/image-registry"));

  // The Secret carries no ownerReference and no label of ours: only the spec reference maps it.
  server->put(kSecrets, {{"apiVersion", "v1"},
                         {"kind", "Secret"},
                         {"metadata", {{"name", "users"}, {"namespace", "registry"}}},
                         {"data", {{"htpasswd", kube::base64Encode(kAliceEntry)}}}});
  CHECK(server->waitFor([&] {
    return server->object(kDeployments, "registry/image-registry").has_value() &&
           degradedReason(*server) == "AsExpected";
  }));
  auto config = server->object(kSecrets, "registry/image-registry-config");
  REQUIRE(config);
  CHECK(kube::base64Decode(kube::at(*config, "/data/htpasswd").get<std::string>()) == kAliceEntry);

  // Then the controllers fall quiet: the watch events of their own writes find nothing to do.
  const auto writes = [&] {
    std::size_t count = 0;
    for (const auto& request : server->requests()) {
      const bool event = request.target.find("/events") != std::string::npos;
      if (request.method != "GET" && request.method != "WATCH" && !event) ++count;
    }
    return count;
  };
  std::size_t seen = writes();
  auto quiet_since = std::chrono::steady_clock::now();
  CHECK(server->waitFor(
      [&] {
        if (const auto now = writes(); now != seen) {
          seen = now;
          quiet_since = std::chrono::steady_clock::now();
        }
        return std::chrono::steady_clock::now() - quiet_since > std::chrono::milliseconds(500);
      },
      std::chrono::seconds(20)));

  CHECK(controllers.stop() == 0);
}

TEST_CASE("the registry controllers read the content of no Secret but their own and those named") {
  RunningControllers controllers({});  // all namespaces
  auto& server = controllers.server;

  auto secret = [](const std::string& ns, const std::string& name, const std::string& bundle) {
    return Json{{"apiVersion", "v1"},
                {"kind", "Secret"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"data", {{"config.yml", kube::base64Encode(bundle)}}}};
  };
  server->put(kSecrets, secret("registry", "bundle", "log:\n  level: debug\n"));
  server->put(kSecrets, secret("other-app", "big", std::string(200 * 1024, 'x')));
  auto cr = kube::yamlToJson(crWithSpec(kEmptyDir + "  configBundleSecret: bundle\n"));
  REQUIRE(cr);
  server->put(kCrs, *cr);
  controllers.run();

  const auto hash = [&] {
    auto deployment = server->object(kDeployments, "registry/image-registry");
    return deployment ? kube::annotation(kube::at(*deployment, "/spec/template"),
                                         "imageregistry.io/config-hash")
                      : std::string();
  };
  REQUIRE(server->waitFor([&] { return !hash().empty(); }));
  const std::string first = hash();
  // An edit of the named Secret is noticed through its metadata and rolls the pods.
  server->put(kSecrets, secret("registry", "bundle", "log:\n  level: info\n"));
  CHECK(server->waitFor([&] { return !hash().empty() && hash() != first; }));

  // Every list and watch of Secrets was either of the operator's own (by label) or asked for
  // metadata only; the named Secret was read by GET, and the other app's never.
  int metadata_watches = 0;
  for (const auto& request : server->requests()) {
    if (request.target.find("/secrets") == std::string::npos) continue;
    const auto selector = testsupport::queryParam(request.target, "labelSelector");
    const bool collection =
        request.method == "WATCH" ||
        (request.method == "GET" && testsupport::pathOf(request.target) == "/api/v1/secrets");
    INFO(request.method << " " << request.target);
    if (collection) {
      if (request.metadata_only) {
        ++metadata_watches;
        CHECK(selector == "app.kubernetes.io/managed-by!=registry-operator");
      } else {
        CHECK(selector == "app.kubernetes.io/managed-by=registry-operator");
      }
    }
    CHECK(testsupport::pathOf(request.target) != "/api/v1/namespaces/other-app/secrets/big");
  }
  CHECK(metadata_watches > 0);
}

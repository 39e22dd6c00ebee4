// RegistryReconciler over the fake API server: what one reconcile writes, with the informer
// caches simulated by stores the test fills itself (caught up, or lagging behind the server).
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "kube/api.h"
#include "kube/base64.h"
#include "kube/yaml_json.h"
#include "registry/api/registry_resource.h"
#include "registry/reconcile/registry_reconciler.h"
#include "registry/render/bcrypt.h"
#include "registry/render/builders.h"
#include "registry/render/object_names.h"
#include "registry/render/tls_issuer.h"
#include "runtime/fake_clock.h"
#include "runtime/store.h"
#include "support/fake_api_server.h"
#include "test_support.h"

using namespace registry;
using namespace std::chrono_literals;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::kNoPruner;
using testsupport::FakeApiServer;
using testsupport::Json;

namespace {

const std::string kNamespace = "registry";
const std::string kName = "image-registry";
const std::string kCrs = "/apis/imageregistry.io/v1alpha1/registryconfigs";

std::string collectionOf(const std::string& kind) {
  for (const auto& owned : ownedResources(Platform::OpenShift)) {
    if (owned.kind == kind) return owned.collectionPath("");
  }
  FAIL("no collection for kind " << kind);
  return {};
}

// One request in a form a test can compare whole: "PATCH apply Secret image-registry-tls",
// "PATCH merge Service image-registry", "DELETE Ingress image-registry-default-route",
// "PATCH apply RegistryConfig image-registry status".
std::string describe(const FakeApiServer::Request& request) {
  static const std::map<std::string, std::string> kinds = {
      {"serviceaccounts", "ServiceAccount"},
      {"secrets", "Secret"},
      {"configmaps", "ConfigMap"},
      {"persistentvolumeclaims", "PersistentVolumeClaim"},
      {"services", "Service"},
      {"deployments", "Deployment"},
      {"ingresses", "Ingress"},
      {"cronjobs", "CronJob"},
      {"poddisruptionbudgets", "PodDisruptionBudget"},
      {"roles", "Role"},
      {"rolebindings", "RoleBinding"},
      {"registryconfigs", "RegistryConfig"}};
  std::vector<std::string> parts;
  std::stringstream path(testsupport::pathOf(request.target));
  for (std::string part; std::getline(path, part, '/');) parts.push_back(part);
  std::string text = request.method;
  if (request.method == "PATCH") {
    text += request.content_type == testsupport::kApplyPatch   ? " apply"
            : request.content_type == testsupport::kMergePatch ? " merge"
                                                               : " " + request.content_type;
  }
  if (parts.size() >= 3 && parts.back() == "status") {
    return text + " " + kinds.at(parts[parts.size() - 3]) + " " + parts[parts.size() - 2] +
           " status";
  }
  REQUIRE(parts.size() >= 2);
  return text + " " + kinds.at(parts[parts.size() - 2]) + " " + parts.back();
}

struct Cluster {
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>();
  kube::ClientPtr client = FakeApiServer::clientFor(server);
  // 2030-01-01T00:00:00Z
  std::shared_ptr<runtime::FakeClock> clock =
      std::make_shared<runtime::FakeClock>(std::chrono::system_clock::from_time_t(1893456000));
  RegistryReconciler::Caches caches;
  std::unique_ptr<RegistryReconciler> reconciler;

  explicit Cluster(PlatformOptions platform = kubernetes()) {
    caches.registryConfigs = std::make_shared<runtime::Store>();
    for (const auto& owned : ownedResources(platform.platform)) {
      caches.owned[owned.kind] = std::make_shared<runtime::Store>();
    }
    reconciler = std::make_unique<RegistryReconciler>(client, platform, caches, nullptr, clock);
  }

  static PlatformOptions kubernetes() {
    PlatformOptions platform;
    platform.platform = Platform::Kubernetes;
    platform.ingressDomain = "apps.example.com";
    return platform;
  }

  // The user creates the CR (YAML, see crWithSpec), and its watch event reaches the cache.
  void create(const std::string& yaml) {
    auto cr = kube::yamlToJson(yaml);
    REQUIRE(cr);
    caches.registryConfigs->upsert(server->put(kCrs, *cr));
  }
  Json cr() const { return object("RegistryConfig", kName); }
  // The user edits the spec; the server bumps metadata.generation (which the fake leaves alone).
  void editSpec(const std::function<void(Json& spec)>& edit) {
    Json edited = cr();
    edit(edited["spec"]);
    edited["metadata"]["generation"] = edited["metadata"]["generation"].get<long long>() + 1;
    server->put(kCrs, edited);
  }

  Json object(const std::string& kind, const std::string& name) const {
    auto found = server->object(kind == "RegistryConfig" ? kCrs : collectionOf(kind),
                                kNamespace + "/" + name);
    INFO(kind << " " << name);
    REQUIRE(found);
    return *found;
  }
  bool exists(const std::string& kind, const std::string& name) const {
    return server->object(collectionOf(kind), kNamespace + "/" + name).has_value();
  }

  // The informers caught up: every cache holds what the server holds under the operator's
  // label (the owned-object watches are selected by it, like the real ones).
  void catchUp() {
    caches.registryConfigs->replace(server->objects(kCrs));
    for (const auto& [kind, store] : caches.owned) {
      std::vector<Json> labelled;
      for (auto& object : server->objects(collectionOf(kind))) {
        if (kube::label(object, "app.kubernetes.io/managed-by") == "registry-operator")
          labelled.push_back(std::move(object));
      }
      store->replace(std::move(labelled));
    }
  }

  // The Deployment controller's part: the registry's pods are all ready.
  void rollOut() {
    Json deployment = object("Deployment", kName);
    const auto replicas = kube::at(deployment, "/spec/replicas", 1);
    deployment["status"] = {
        {"observedGeneration", kube::generation(deployment)},
        {"replicas", replicas},
        {"readyReplicas", replicas},
        {"updatedReplicas", replicas},
        {"availableReplicas", replicas},
        {"conditions", Json::array({{{"type", "Available"}, {"status", "True"}}})}};
    server->put(collectionOf("Deployment"), deployment);
  }

  runtime::ReconcileResult reconcile() {
    server->clearRequests();
    return reconciler->reconcile(runtime::ObjectKey{kNamespace, kName}, kube::CancelToken());
  }

  // The write requests of the last reconcile, in order (reads left out).
  std::vector<std::string> writes() const {
    std::vector<std::string> out;
    for (const auto& request : server->requests()) {
      if (request.method != "GET") out.push_back(describe(request));
    }
    return out;
  }

  // Reconciles with caught-up caches until a reconcile writes nothing (the pods rolled out on
  // the way): the steady state the tests start from.
  void settle() {
    for (int round = 0; round < 5; ++round) {
      auto result = reconcile();
      INFO((result.ok() ? std::string() : result.error().message()));
      REQUIRE(result.ok());
      const bool quiet = writes().empty();
      if (exists("Deployment", kName)) rollOut();
      catchUp();
      if (quiet) return;
    }
    FAIL("no steady state after 5 reconciles");
  }
};

const Json& condition(const Json& status, const std::string& type) {
  for (const auto& condition : status.at("conditions")) {
    if (condition.at("type") == type) return condition;
  }
  FAIL("no condition " << type);
  static const Json none;
  return none;
}

// "True/Reason" of a condition, to compare in one line.
std::string stateOf(const Json& status, const std::string& type) {
  const Json& c = condition(status, type);
  return c.at("status").get<std::string>() + "/" + c.at("reason").get<std::string>();
}

const std::string kHost = "image-registry-default-route-registry.apps.example.com";
const std::string kPvc = "  rolloutStrategy: Recreate\n  storage:\n    pvc:\n      size: 1Gi\n";
const std::string kStatusWrite = "PATCH apply RegistryConfig image-registry status";
// "alice-password" in bcrypt at cost 4, as `htpasswd -B` writes it.
const std::string kAliceHash = "$2y$04$IOOWyF4D6ozKnH3uqdHQEOmhpB59IJ4n.m2fLVO7qdg96vAmddlrG";

// kind/name → resourceVersion of every object the operator made for the CR.
std::map<std::string, std::string> versionsOf(const Cluster& cluster) {
  std::map<std::string, std::string> versions;
  for (const auto& owned : ownedResources(Platform::Kubernetes)) {
    for (const auto& object : cluster.server->objects(collectionOf(owned.kind))) {
      versions[owned.kind + "/" + kube::name(object)] = kube::resourceVersion(object);
    }
  }
  return versions;
}

std::string secretData(const Cluster& cluster, const std::string& name) {
  return cluster.object("Secret", name).at("data").dump();
}

std::string configHashOf(const Json& deployment) {
  return kube::at(deployment, "/spec/template/metadata/annotations/imageregistry.io~1config-hash")
      .get<std::string>();
}

}  // namespace

TEST_CASE(
    "reconciler: a new RegistryConfig gets its objects and status, then a steady state "
    "makes no request at all") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir));

  auto first = cluster.reconcile();
  REQUIRE(first.ok());
  // The Deployment was just created: its first status, which wakes the CR again, tells more
  // than anything this reconcile could say, so no status yet; a requeue covers a status that
  // never comes.
  CHECK(first.action().requeue_after == std::chrono::duration_cast<runtime::Clock::Duration>(10s));
  CHECK(cluster.writes() == std::vector<std::string>{
                                "PATCH apply ServiceAccount image-registry",
                                "PATCH apply Secret image-registry-private",
                                "PATCH apply Secret image-registry-config",
                                "PATCH apply Secret image-registry-ca-key",
                                "PATCH apply Secret image-registry-tls",
                                "PATCH apply ConfigMap image-registry-ca",
                                "PATCH apply Service image-registry",
                                "PATCH apply Deployment image-registry",
                                "PATCH apply ServiceAccount image-registry-jobs",
                                "PATCH apply Role image-registry-jobs",
                                "PATCH apply RoleBinding image-registry-jobs",
                                "PATCH apply CronJob image-registry-pruner",
                            });
  CHECK_FALSE(cluster.cr().contains("status"));
  for (const auto& request : cluster.server->requests()) {
    if (request.method != "PATCH") continue;
    CHECK(request.target.find("?fieldManager=registry-operator&force=true") != std::string::npos);
  }

  // The caches see the new objects (the Deployment not rolled out yet): the status follows.
  cluster.catchUp();
  auto second = cluster.reconcile();
  REQUIRE(second.ok());
  CHECK(cluster.writes() == std::vector<std::string>{kStatusWrite});
  // Nothing else is due: the certificate just issued lasts for months.
  CHECK(second.action().requeue_after ==
        std::chrono::duration_cast<runtime::Clock::Duration>(10min));
  const Json cr = cluster.cr();
  for (const auto& [kind, name] :
       std::vector<std::pair<std::string, std::string>>{{"ServiceAccount", kName},
                                                        {"Secret", "image-registry-tls"},
                                                        {"Deployment", kName},
                                                        {"CronJob", "image-registry-pruner"}}) {
    const Json object = cluster.object(kind, name);
    INFO(kind << " " << name);
    CHECK(kube::at(object, "/metadata/ownerReferences/0/uid") == kube::uid(cr));
    CHECK(kube::at(object, "/metadata/ownerReferences/0/controller") == true);
    CHECK(kube::at(object, "/metadata/annotations/imageregistry.io~1applied-hash").is_string());
  }

  const Json& status = cr.at("status");
  CHECK(status.at("observedGeneration") == 2);
  CHECK(status.at("internalHostname") == "image-registry.registry.svc:5000");
  CHECK(status.at("configHash") == configHashOf(cluster.object("Deployment", kName)));
  CHECK(status.at("externalHostnames") == Json::array());
  CHECK(status.at("readyReplicas") == 0);
  CHECK(status.at("storageManaged") == false);
  CHECK(stateOf(status, "Available") == "False/NoReadyReplicas");
  CHECK(stateOf(status, "Progressing") == "True/RollingOut");
  CHECK(stateOf(status, "Degraded") == "False/AsExpected");

  // The pods come up and the caches catch up: only status changes.
  cluster.rollOut();
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{kStatusWrite});
  CHECK(stateOf(cluster.cr().at("status"), "Available") == "True/Ready");
  CHECK(cluster.cr().at("status").at("readyReplicas") == 1);

  // Steady state: the caches answer every question; not even a read reaches the server.
  cluster.catchUp();
  auto steady = cluster.reconcile();
  REQUIRE(steady.ok());
  CHECK(cluster.server->requests().empty());
}

TEST_CASE("reconciler: the httpSecret, the CA and the certificate are reused through cache lag") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir));
  REQUIRE(cluster.reconcile().ok());
  const std::string http_secret = secretData(cluster, "image-registry-private");
  const std::string ca_key = secretData(cluster, "image-registry-ca-key");
  const std::string tls = secretData(cluster, "image-registry-tls");
  const std::string hash = configHashOf(cluster.object("Deployment", kName));
  const auto versions = versionsOf(cluster);
  CHECK(versions.size() == 12);  // with the jobs' ServiceAccount, Role and RoleBinding

  // The caches have seen none of it (no catchUp); a minute later the CR is reconciled again.
  cluster.clock->advance(1min);
  REQUIRE(cluster.reconcile().ok());
  // The stored material was read from the API server, not generated a second time.
  int reads = 0;
  for (const auto& request : cluster.server->requests()) {
    if (request.method == "GET" &&
        request.target == "/api/v1/namespaces/registry/secrets/image-registry-private")
      ++reads;
  }
  // The cache missed it: read through once and found (so not generated again), then read once
  // more before the apply, which finds it is the CR's own and unchanged.
  CHECK(reads == 2);
  CHECK(secretData(cluster, "image-registry-private") == http_secret);
  CHECK(secretData(cluster, "image-registry-ca-key") == ca_key);
  CHECK(secretData(cluster, "image-registry-tls") == tls);
  CHECK(configHashOf(cluster.object("Deployment", kName)) == hash);
  // Not seeing its objects, the reconciler applied them all again, and none changed.
  for (const auto& write : cluster.writes()) CHECK(write.rfind("PATCH apply ", 0) == 0);
  CHECK(versionsOf(cluster) == versions);
}

TEST_CASE(
    "reconciler: an apply refused as invalid over a live object falls back to a merge "
    "patch and applies again") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir));
  cluster.settle();
  // A hand edit changes the Service port's key (port 5000 → 5001); a real server then refuses
  // our apply, which adds our port beside the edited one, as a duplicate (422 Invalid).
  kube::Api services(cluster.client, kube::resources::services(), kNamespace);
  REQUIRE(services.mergePatch(kName, {{"spec",
                                       {{"ports", Json::array({{{"name", "registry"},
                                                                {"port", 5001},
                                                                {"targetPort", "registry"},
                                                                {"protocol", "TCP"}}})}}}}));
  cluster.catchUp();
  cluster.server->fault(
      {"PATCH", "/services/image-registry", 422, 1, {}, testsupport::kApplyPatch});

  auto result = cluster.reconcile();
  INFO((result.ok() ? std::string() : result.error().message()));
  REQUIRE(result.ok());
  CHECK(cluster.writes() == std::vector<std::string>{"PATCH apply Service image-registry",
                                                     "PATCH merge Service image-registry",
                                                     "PATCH apply Service image-registry"});
  const auto requests = cluster.server->requests();
  std::vector<int> statuses;
  for (const auto& request : requests) {
    if (request.method == "PATCH") statuses.push_back(request.status);
  }
  CHECK(statuses == std::vector<int>{422, 200, 200});
  const Json wanted_ports = Json::array(
      {{{"name", "registry"}, {"port", 5000}, {"targetPort", "registry"}, {"protocol", "TCP"}}});
  for (const auto& request : requests) {
    if (request.content_type != testsupport::kMergePatch) continue;
    // The merge patch carries the whole desired object, so the edited list is replaced whole.
    CHECK(Json::parse(request.body).at("spec").at("ports") == wanted_ports);
    CHECK(request.target == "/api/v1/namespaces/registry/services/image-registry");
  }
  CHECK(cluster.object("Service", kName).at("spec").at("ports") == wanted_ports);

  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());
}

TEST_CASE("reconciler: an apply refused as invalid with nothing live is InvalidSpec, not retried") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir));
  cluster.settle();
  // A new route whose Ingress the API server refuses (no fallback: there is nothing to patch).
  cluster.editSpec([](Json& spec) {
    spec["routes"] = Json::array({{{"name", "public"}, {"host", "registry.example.com"}}});
  });
  cluster.catchUp();
  cluster.server->fault(
      {"PATCH", "/ingresses/image-registry-public", 422, 1, {}, testsupport::kApplyPatch});

  auto result = cluster.reconcile();
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().isTerminal());
  CHECK(result.error().message().find("applying Ingress image-registry-public") !=
        std::string::npos);
  // The new route changes no other object; the refused apply is not followed by a merge patch.
  CHECK(cluster.writes() ==
        std::vector<std::string>{"PATCH apply Ingress image-registry-public", kStatusWrite});
  const Json status = cluster.cr().at("status");
  CHECK(stateOf(status, "Degraded") == "True/InvalidSpec");
  CHECK(stateOf(status, "Progressing") == "False/InvalidSpec");
  CHECK(condition(status, "Degraded").at("message").get<std::string>().find("injected") !=
        std::string::npos);
  CHECK_FALSE(cluster.exists("Ingress", "image-registry-public"));
}

TEST_CASE("reconciler: Removed deletes the owned objects but keeps the claim, and says Removed") {
  Cluster cluster;
  cluster.create(crWithSpec(kPvc));
  cluster.settle();
  REQUIRE(cluster.exists("PersistentVolumeClaim", "image-registry-storage"));
  std::map<std::string, std::string> uids;  // path → uid
  for (const auto& owned : ownedResources(Platform::Kubernetes)) {
    for (const auto& object : cluster.server->objects(collectionOf(owned.kind))) {
      uids[owned.collectionPath(kNamespace) + "/" + kube::name(object)] = kube::uid(object);
    }
  }

  cluster.editSpec([](Json& spec) { spec["managementState"] = "Removed"; });
  cluster.catchUp();
  auto result = cluster.reconcile();
  REQUIRE(result.ok());
  CHECK_FALSE(result.action().requeue_after.has_value());
  CHECK(cluster.writes() == std::vector<std::string>{
                                "DELETE ConfigMap image-registry-ca",
                                "DELETE CronJob image-registry-pruner",
                                "DELETE Deployment image-registry",
                                "DELETE Role image-registry-jobs",
                                "DELETE RoleBinding image-registry-jobs",
                                "DELETE Secret image-registry-ca-key",
                                "DELETE Secret image-registry-config",
                                "DELETE Secret image-registry-private",
                                "DELETE Secret image-registry-tls",
                                "DELETE Service image-registry",
                                "DELETE ServiceAccount image-registry",
                                "DELETE ServiceAccount image-registry-jobs",
                                kStatusWrite,
                            });
  for (const auto& request : cluster.server->requests()) {
    if (request.method != "DELETE") continue;
    INFO(request.target);
    const Json options = Json::parse(request.body);
    CHECK(options.at("preconditions").at("uid") == uids.at(request.target));
    CHECK(options.at("propagationPolicy") == "Background");
  }
  // What remains in the namespace: the claim (registry data outlives Removed) and the CR.
  CHECK(versionsOf(cluster).size() == 1);
  CHECK(cluster.exists("PersistentVolumeClaim", "image-registry-storage"));

  const Json status = cluster.cr().at("status");
  CHECK(stateOf(status, "Available") == "False/Removed");
  CHECK(stateOf(status, "Progressing") == "False/Removed");
  CHECK(stateOf(status, "Degraded") == "False/Removed");
  CHECK(status.at("observedGeneration") == 3);
  CHECK(status.at("readyReplicas") == 0);
  CHECK(status.at("externalHostnames") == Json::array());
  // The fields a Removed status no longer applies are gone with server-side apply.
  CHECK_FALSE(status.contains("internalHostname"));
  CHECK_FALSE(status.contains("configHash"));

  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());
}

TEST_CASE("reconciler: Removed with storage.deleteOnRemove deletes the claim too") {
  Cluster cluster;
  cluster.create(crWithSpec(kPvc + "    deleteOnRemove: true\n"));
  cluster.settle();
  const std::string claim_uid =
      kube::uid(cluster.object("PersistentVolumeClaim", "image-registry-storage"));
  cluster.editSpec([](Json& spec) { spec["managementState"] = "Removed"; });
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(versionsOf(cluster).empty());
  // Compared as a set (the order is that of the caches); a multiset, so that a claim deleted
  // both as an owned object and by name would show.
  const auto writes = cluster.writes();
  CHECK(std::multiset<std::string>(writes.begin(), writes.end()) ==
        std::multiset<std::string>{
            "DELETE ConfigMap image-registry-ca", "DELETE CronJob image-registry-pruner",
            "DELETE Deployment image-registry",
            "DELETE PersistentVolumeClaim image-registry-storage",
            "DELETE Secret image-registry-ca-key", "DELETE Secret image-registry-config",
            "DELETE Secret image-registry-private", "DELETE Secret image-registry-tls",
            "DELETE Service image-registry", "DELETE ServiceAccount image-registry",
            "DELETE ServiceAccount image-registry-jobs", "DELETE Role image-registry-jobs",
            "DELETE RoleBinding image-registry-jobs", kStatusWrite});
  // The claim's first delete names the claim it saw.
  for (const auto& request : cluster.server->requests()) {
    if (request.target.find("/persistentvolumeclaims/") == std::string::npos) continue;
    CHECK(kube::at(Json::parse(request.body), "/preconditions/uid") == claim_uid);
    break;
  }
}

TEST_CASE(
    "reconciler: an invalid spec says InvalidSpec, keeps what status said, writes nothing "
    "else and is not retried") {
  Cluster cluster;
  cluster.create(crWithSpec(kPvc + "  defaultRoute: true\n"));
  cluster.settle();
  // The mirror controller, another field manager, reports in status too.
  kube::Api crs(cluster.client, registryConfigResource(), kNamespace);
  kube::ApplyParams mirror;
  mirror.field_manager = "registry-operator-mirror";
  const Json mirrors = Json::array({{{"name", "library"}, {"digest", "sha256:00"}}});
  REQUIRE(crs.applyStatus({{"apiVersion", "imageregistry.io/v1alpha1"},
                           {"kind", "RegistryConfig"},
                           {"metadata", {{"name", kName}, {"namespace", kNamespace}}},
                           {"status", {{"mirrors", mirrors}}}},
                          mirror));
  cluster.catchUp();
  const Json before = cluster.cr().at("status");
  REQUIRE(before.at("externalHostnames") == Json::array({kHost}));
  REQUIRE(before.at("readyReplicas") == 1);
  const auto versions = versionsOf(cluster);

  cluster.editSpec([](Json& spec) { spec["storage"]["pvc"]["size"] = "0Gi"; });
  cluster.catchUp();
  auto result = cluster.reconcile();
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().isTerminal());
  CHECK(result.error().message() ==
        "invalid spec: spec.storage.pvc.size: \"0Gi\" is not a positive quantity such as 10Gi");
  CHECK(cluster.writes() == std::vector<std::string>{kStatusWrite});
  CHECK(versionsOf(cluster) == versions);

  const Json after = cluster.cr().at("status");
  CHECK(stateOf(after, "Degraded") == "True/InvalidSpec");
  CHECK(condition(after, "Degraded").at("message") ==
        "spec.storage.pvc.size: \"0Gi\" is not a positive quantity such as 10Gi");
  CHECK(stateOf(after, "Progressing") == "False/InvalidSpec");
  CHECK(stateOf(after, "Available") == "True/Ready");  // the pods still serve
  CHECK(after.at("observedGeneration") == 3);
  for (const char* kept :
       {"internalHostname", "externalHostnames", "configHash", "readyReplicas", "mirrors"}) {
    INFO(kept);
    CHECK(after.value(kept, Json()) == before.at(kept));
  }
}

TEST_CASE("reconciler: an invalid spec keeps status.storageManaged") {
  Cluster cluster;
  cluster.create(crWithSpec(kPvc));
  cluster.settle();
  REQUIRE(cluster.cr().at("status").at("storageManaged") == true);
  cluster.editSpec([](Json& spec) { spec["storage"]["pvc"]["size"] = "0Gi"; });
  cluster.catchUp();
  REQUIRE_FALSE(cluster.reconcile().ok());
  CHECK(cluster.cr().at("status").at("storageManaged") == true);
}

TEST_CASE("reconciler: the status of a mirror gone from the spec is removed by its own manager") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir + "  mirrors: [{name: kept, source: quay.io/org/kept}]\n"));
  cluster.settle();
  // What the two mirror jobs reported (their own field managers in a real API server).
  Json cr = cluster.cr();
  cr["status"]["mirrors"] = Json::parse(R"([{"name": "kept", "tags": [{"tag": "latest"}]},
                                            {"name": "gone", "tags": [{"tag": "latest"}]}])");
  cluster.server->put(kCrs, cr);
  cluster.catchUp();

  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{kStatusWrite});
  const auto requests = cluster.server->requests();
  REQUIRE(requests.size() == 1);
  // An apply of nothing as the entry's manager: server-side apply drops what that manager owned.
  CHECK(requests[0].target.find("?fieldManager=registry-operator-mirror-gone&force=true") !=
        std::string::npos);
  CHECK(Json::parse(requests[0].body) ==
        Json::parse(R"({"apiVersion": "imageregistry.io/v1alpha1", "kind": "RegistryConfig",
                         "metadata": {"name": "image-registry", "namespace": "registry"}})"));

  // Once the entry is gone, nothing more is written.
  cr = cluster.cr();
  cr["status"]["mirrors"] = Json::parse(R"([{"name": "kept", "tags": [{"tag": "latest"}]}])");
  cluster.server->put(kCrs, cr);
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.server->requests().empty());
}

TEST_CASE("reconciler: a hand edit of one owned object is repaired by one apply of just that") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir));
  cluster.settle();
  Json deployment = cluster.object("Deployment", kName);
  const Json image = deployment["spec"]["template"]["spec"]["containers"][0]["image"];
  deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "example.com/other:1";
  cluster.server->put(collectionOf("Deployment"), deployment);
  cluster.catchUp();
  auto versions = versionsOf(cluster);

  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{"PATCH apply Deployment image-registry"});
  CHECK(cluster.object("Deployment", kName)["spec"]["template"]["spec"]["containers"][0]["image"] ==
        image);
  versions.erase("Deployment/image-registry");
  auto now = versionsOf(cluster);
  now.erase("Deployment/image-registry");
  CHECK(now == versions);
}

TEST_CASE("reconciler: an object no longer wanted is deleted with a uid precondition") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir + "  defaultRoute: true\n"));
  cluster.settle();
  REQUIRE(cluster.cr().at("status").at("externalHostnames") == Json::array({kHost}));
  const std::string uid = kube::uid(cluster.object("Ingress", "image-registry-default-route"));

  cluster.editSpec([](Json& spec) { spec["defaultRoute"] = false; });
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() ==
        std::vector<std::string>{"DELETE Ingress image-registry-default-route", kStatusWrite});
  const auto requests = cluster.server->requests();
  for (const auto& request : requests) {
    if (request.method != "DELETE") continue;
    CHECK(request.target ==
          "/apis/networking.k8s.io/v1/namespaces/registry/ingresses/image-registry-default-route");
    CHECK(Json::parse(request.body) == Json{{"apiVersion", "v1"},
                                            {"kind", "DeleteOptions"},
                                            {"preconditions", {{"uid", uid}}},
                                            {"propagationPolicy", "Background"}});
  }
  CHECK_FALSE(cluster.exists("Ingress", "image-registry-default-route"));
  const Json status = cluster.cr().at("status");
  CHECK(status.at("externalHostnames") == Json::array());
  CHECK(status.at("observedGeneration") == 3);
}

TEST_CASE("reconciler: Unmanaged, deleted and deleting RegistryConfigs make no request") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir));
  cluster.settle();

  cluster.editSpec([](Json& spec) { spec["managementState"] = "Unmanaged"; });
  cluster.catchUp();
  auto unmanaged = cluster.reconcile();
  REQUIRE(unmanaged.ok());
  CHECK_FALSE(unmanaged.action().requeue_after.has_value());
  CHECK(cluster.server->requests().empty());

  // Being deleted: the garbage collector removes the owned objects.
  Json deleting = cluster.cr();
  deleting["metadata"]["deletionTimestamp"] = "2030-01-01T00:00:00Z";
  deleting["spec"]["managementState"] = "Managed";
  cluster.caches.registryConfigs->upsert(deleting);
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.server->requests().empty());

  cluster.caches.registryConfigs->erase(deleting);
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.server->requests().empty());
}

namespace {

// A steady registry with a default route whose next apply (of the Deployment, after a change of
// spec.logLevel) fails with a server error after N-config was applied.
void failDeploymentApply(Cluster& cluster) {
  cluster.create(crWithSpec(kEmptyDir + "  defaultRoute: true\n"));
  cluster.settle();
  REQUIRE(cluster.cr().at("status").at("externalHostnames") == Json::array({kHost}));
  cluster.editSpec([](Json& spec) { spec["logLevel"] = "Debug"; });
  cluster.catchUp();
  cluster.server->fault(
      {"PATCH", "/deployments/image-registry", 500, 1, {}, testsupport::kApplyPatch});
  auto result = cluster.reconcile();
  REQUIRE_FALSE(result.ok());
  CHECK_FALSE(result.error().isTerminal());
  CHECK(cluster.writes() == std::vector<std::string>{"PATCH apply Secret image-registry-config",
                                                     "PATCH apply Deployment image-registry",
                                                     kStatusWrite});
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "True/ApplyFailed");
}

}  // namespace

TEST_CASE("reconciler: a failed apply is retried and reported as ApplyFailed") {
  Cluster cluster;
  failDeploymentApply(cluster);
  CHECK(condition(cluster.cr().at("status"), "Degraded").at("message") ==
        "applying Deployment image-registry: injected");
  // The retry applies the Deployment (N-config is already in place) and clears the condition.
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() ==
        std::vector<std::string>{"PATCH apply Deployment image-registry", kStatusWrite});
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "False/AsExpected");
}

TEST_CASE("reconciler: a failed apply keeps status.externalHostnames") {
  Cluster cluster;
  failDeploymentApply(cluster);
  CHECK(cluster.cr().at("status").at("externalHostnames") == Json::array({kHost}));
}

TEST_CASE("reconciler: a failed apply does not report the hash it failed to roll out") {
  // status.configHash names the configuration the pods run, beside Progressing=False
  // RolloutComplete; the desired one that failed to reach them would be a lie.
  Cluster cluster;
  failDeploymentApply(cluster);
  CHECK(cluster.cr().at("status").at("configHash") ==
        configHashOf(cluster.object("Deployment", kName)));
}

TEST_CASE("reconciler: a user Secret that goes missing degrades the registry and changes nothing") {
  Cluster cluster;
  const Json users = {{"apiVersion", "v1"},
                      {"kind", "Secret"},
                      {"metadata", {{"name", "users"}, {"namespace", kNamespace}}},
                      {"data", {{"htpasswd", kube::base64Encode("alice:" + kAliceHash + "\n")}}}};
  cluster.server->put(collectionOf("Secret"), users);
  cluster.create(crWithSpec(kEmptyDir + "  auth:\n    type: Htpasswd\n    htpasswdSecret: users\n" +
                            kNoPruner));
  cluster.settle();
  const Json before = cluster.cr().at("status");
  const auto versions = versionsOf(cluster);

  cluster.server->erase(collectionOf("Secret"), "registry/users");
  cluster.catchUp();
  auto result = cluster.reconcile();
  REQUIRE(result.ok());  // retrying cannot help; the Secret's return enqueues the CR
  // Keep what runs: no object is applied without the user's input, only status says why.
  CHECK(cluster.writes() == std::vector<std::string>{kStatusWrite});
  auto now = versionsOf(cluster);
  CHECK(now.erase("Secret/users") == 0);
  auto expected = versions;
  expected.erase("Secret/users");
  CHECK(now == expected);
  const Json after = cluster.cr().at("status");
  CHECK(stateOf(after, "Degraded") == "True/HtpasswdUnavailable");
  CHECK(condition(after, "Degraded").at("message") ==
        "spec.auth.htpasswdSecret: Secret \"users\" not found in namespace registry");
  CHECK(after.at("configHash") == before.at("configHash"));

  // The Secret comes back: the registry recovers without a write to its objects.
  cluster.server->put(collectionOf("Secret"), users);
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{kStatusWrite});
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "False/AsExpected");
}

TEST_CASE("reconciler: a reconcile stopped mid-apply returns at once and reports nothing") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir));
  // The API server hangs on the Deployment; shutdown (or a lost lease) fires the token.
  cluster.server->hold("PATCH", "/deployments/image-registry");
  cluster.server->clearRequests();
  kube::CancelToken cancel;
  std::thread stopper([&] {
    cluster.server->waitFor([&] { return cluster.server->heldRequests() == 1; });
    cancel.cancel();
  });
  auto result = cluster.reconciler->reconcile(runtime::ObjectKey{kNamespace, kName}, cancel);
  stopper.join();
  REQUIRE_FALSE(result.ok());
  REQUIRE(result.error().kubeError());
  CHECK(result.error().kubeError()->is(kube::ErrorKind::Cancelled));
  // Nothing after the held request: no ApplyFailed status, no further applies.
  const auto writes = cluster.writes();
  REQUIRE_FALSE(writes.empty());
  CHECK(writes.back() == "PATCH apply Deployment image-registry");
  CHECK(std::count(writes.begin(), writes.end(), kStatusWrite) == 0);
}

namespace {

Json userSecret(const std::string& name, const std::string& key, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", kNamespace}}},
          {"data", {{key, kube::base64Encode(value)}}}};
}

// A hand edit of the Service's port, as an administrator could make with kubectl edit.
void breakServicePort(Cluster& cluster) {
  Json service = cluster.object("Service", kName);
  service["spec"]["ports"][0]["port"] = 5999;
  cluster.server->put(collectionOf("Service"), service);
}

long long servicePort(const Cluster& cluster) {
  return cluster.object("Service", kName)["spec"]["ports"][0]["port"].get<long long>();
}

// The writes of the last reconcile to the objects that read the user's inputs.
std::vector<std::string> writesToHeldObjects(const Cluster& cluster) {
  std::vector<std::string> held;
  for (const auto& write : cluster.writes()) {
    if (write.find("Deployment") != std::string::npos ||
        write.find("image-registry-config") != std::string::npos) {
      held.push_back(write);
    }
  }
  return held;
}

}  // namespace

TEST_CASE("reconciler: a bundle that is not YAML degrades the CR but the rest is still held") {
  Cluster cluster;
  cluster.server->put(collectionOf("Secret"),
                      userSecret("bundle", "config.yml", "log:\n  level: debug\n"));
  cluster.create(crWithSpec(kEmptyDir + "  configBundleSecret: bundle\n"));
  cluster.settle();
  const Json config_before = cluster.object("Secret", "image-registry-config");
  const Json deployment_before = cluster.object("Deployment", kName);

  cluster.server->put(collectionOf("Secret"), userSecret("bundle", "config.yml", "log: [\n"));
  breakServicePort(cluster);
  cluster.catchUp();
  auto result = cluster.reconcile();
  REQUIRE(result.ok());
  // The Service, which reads no input, is repaired; the configuration and the pods keep their
  // last good state (no rollout of a bad configuration).
  CHECK(servicePort(cluster) == 5000);
  CHECK(writesToHeldObjects(cluster).empty());
  CHECK(cluster.object("Secret", "image-registry-config") == config_before);
  CHECK(kube::resourceVersion(cluster.object("Deployment", kName)) ==
        kube::resourceVersion(deployment_before));
  const Json status = cluster.cr().at("status");
  CHECK(stateOf(status, "Degraded") == "True/ConfigBundleInvalid");
  CHECK_THAT(condition(status, "Degraded").at("message").get<std::string>(),
             Catch::StartsWith("spec.configBundleSecret: config.yml: invalid YAML"));
  CHECK(status.at("configHash") == configHashOf(deployment_before));

  // Fixed: the registry recovers, with the fixed bundle rolled out.
  cluster.server->put(collectionOf("Secret"),
                      userSecret("bundle", "config.yml", "log:\n  level: info\n"));
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "False/AsExpected");
  CHECK(configHashOf(cluster.object("Deployment", kName)) != configHashOf(deployment_before));
}

TEST_CASE("reconciler: a missing user Secret keeps the pods but a hand-edited Service is fixed") {
  Cluster cluster;
  cluster.server->put(collectionOf("Secret"),
                      userSecret("users", "htpasswd", "a:" + kAliceHash + "\n"));
  cluster.create(crWithSpec(kEmptyDir + "  auth:\n    type: Htpasswd\n    htpasswdSecret: users\n" +
                            kNoPruner));
  cluster.settle();
  cluster.server->erase(collectionOf("Secret"), "registry/users");
  breakServicePort(cluster);
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(servicePort(cluster) == 5000);
  CHECK(writesToHeldObjects(cluster).empty());
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "True/HtpasswdUnavailable");
}

TEST_CASE("reconciler: a first reconcile with a broken bundle creates no pods") {
  Cluster cluster;
  cluster.server->put(collectionOf("Secret"), userSecret("bundle", "config.yml", "- a list\n"));
  cluster.create(crWithSpec(kEmptyDir + "  configBundleSecret: bundle\n"));
  REQUIRE(cluster.reconcile().ok());
  CHECK_FALSE(cluster.exists("Deployment", kName));
  CHECK_FALSE(cluster.exists("Secret", "image-registry-config"));
  CHECK(cluster.exists("Service", kName));
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "True/ConfigBundleInvalid");
}

TEST_CASE("reconciler: a bundle that aliases one long string many times is refused quickly") {
  Cluster cluster;
  std::string bomb = "a: &big " + std::string(500 * 1024, 'x') + "\nb: [";
  for (int i = 0; i < 10'000; ++i) bomb += i ? ", *big" : "*big";
  cluster.server->put(collectionOf("Secret"), userSecret("bundle", "config.yml", bomb + "]\n"));
  cluster.create(crWithSpec(kEmptyDir + "  configBundleSecret: bundle\n"));
  REQUIRE(cluster.reconcile().ok());
  const Json status = cluster.cr().at("status");
  CHECK(stateOf(status, "Degraded") == "True/ConfigBundleInvalid");
  CHECK_THAT(condition(status, "Degraded").at("message").get<std::string>(),
             Catch::Contains("expands to too much text"));
}

TEST_CASE("reconciler: an object of someone else's with a wanted name is left alone") {
  Cluster cluster;
  const Json victim = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", {{"name", kName}, {"namespace", kNamespace}}},
      {"spec", {{"selector", {{"app", "victim"}}}, {"ports", Json::array({{{"port", 80}}})}}}};
  cluster.server->put(collectionOf("Service"), victim);
  cluster.create(crWithSpec(kEmptyDir));
  auto result = cluster.reconcile();
  REQUIRE(result.ok());
  const Json service = cluster.object("Service", kName);
  CHECK(service.at("spec") == victim.at("spec"));
  CHECK_FALSE(service.at("metadata").contains("ownerReferences"));
  for (const auto& write : cluster.writes())
    CHECK(write.find("Service image-registry") == std::string::npos);
  // No pods behind someone else's Service; the objects that conflict with nothing are made.
  CHECK_FALSE(cluster.exists("Deployment", kName));
  CHECK(cluster.exists("Secret", "image-registry-config"));
  const Json status = cluster.cr().at("status");
  CHECK(stateOf(status, "Degraded") == "True/ObjectConflict");
  CHECK(condition(status, "Degraded").at("message") ==
        "Service image-registry already exists in namespace registry and is not controlled by "
        "this RegistryConfig; it was left alone: delete or rename it, or rename the "
        "RegistryConfig");
  // Nothing watches the other object: the CR is looked at again soon.
  REQUIRE(result.action().requeue_after);
  CHECK(*result.action().requeue_after <= std::chrono::minutes(1));

  // Its owner deletes it: the registry is completed.
  cluster.server->erase(collectionOf("Service"), "registry/" + kName);
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.exists("Deployment", kName));
  CHECK(kube::at(cluster.object("Service", kName), "/spec/selector/app").is_null());
}

TEST_CASE("reconciler: an object the CR made is found through a lagging cache, not conflicted") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir));
  cluster.settle();
  // The Service has not reached the cache yet: it is read, found to be the CR's own, and not
  // written again.
  cluster.caches.owned.at("Service")->replace({});
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "False/AsExpected");
}

TEST_CASE("reconciler: what it remembers of its applies goes with the objects and the CR") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir + "  defaultRoute: true\n"));
  cluster.settle();
  const std::size_t remembered = cluster.reconciler->rememberedObjects();
  CHECK(remembered >= 8);
  cluster.editSpec([](Json& spec) { spec["defaultRoute"] = false; });
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());  // deletes the Ingress
  CHECK(cluster.reconciler->rememberedObjects() == remembered - 1);
  cluster.server->erase(kCrs, kNamespace + "/" + kName);
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.reconciler->rememberedObjects() == 0);
}

TEST_CASE("reconciler: a mirror's missing Secret degrades the CR but holds none of the registry") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir + R"(  mirrors:
    - {name: hub, source: docker.io/library/busybox, pullSecret: hub-credentials}
)"));
  cluster.settle();
  const Json status = cluster.cr().at("status");
  CHECK(stateOf(status, "Degraded") == "True/MirrorSecretUnavailable");
  CHECK(condition(status, "Degraded").at("message") ==
        "spec.mirrors[0].pullSecret: Secret \"hub-credentials\" not found in namespace registry");
  // Only the mirror's pods read it: the registry, its configuration and the CronJob are all
  // applied (the CronJob's runs wait for the Secret).
  CHECK(cluster.exists("Deployment", kName));
  CHECK(cluster.exists("CronJob", "image-registry-mirror-hub"));

  // The Secret comes: only status changes.
  cluster.server->put(collectionOf("Secret"),
                      userSecret("hub-credentials", ".dockerconfigjson", R"({"auths": {}})"));
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{kStatusWrite});
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "False/AsExpected");
}

namespace {

const std::string kAdmin = "image-registry-admin";
const std::string kHtpasswd = "image-registry-htpasswd";
const std::string kConfig = "image-registry-config";

// The decoded value of `key` in Secret `name` on the server.
std::string secretValueOf(const Cluster& cluster, const std::string& name, const std::string& key) {
  auto value =
      kube::base64Decode(cluster.object("Secret", name).at("data").at(key).get<std::string>());
  REQUIRE(value);
  return *value;
}

// GET requests of the last reconcile for Secret `name`.
int secretReads(const Cluster& cluster, const std::string& name) {
  int reads = 0;
  for (const auto& request : cluster.server->requests()) {
    if (request.method == "GET" && request.target == "/api/v1/namespaces/registry/secrets/" + name)
      ++reads;
  }
  return reads;
}

Json usersSecret(const std::map<std::string, std::string>& users) {
  Json data = Json::object();
  for (const auto& [user, password] : users) data[user] = kube::base64Encode(password);
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "users"}, {"namespace", kNamespace}}},
          {"data", data}};
}

// The hash of `user` in an htpasswd ("" when the user has no line).
std::string hashOf(const std::string& htpasswd, const std::string& user) {
  std::istringstream lines(htpasswd);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(user + ":", 0) == 0) return line.substr(user.size() + 1);
  }
  return {};
}

const std::string kAdminSpec = kEmptyDir + "  auth: {type: Htpasswd}\n" + kNoPruner;
const std::string kUsersSpec =
    kEmptyDir + "  auth: {type: Htpasswd, usersSecret: users}\n" + kNoPruner;

}  // namespace

TEST_CASE("reconciler: the first admin is made once, in N-admin, and the htpasswd holds its hash") {
  Cluster cluster;
  cluster.create(crWithSpec(kAdminSpec));
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{
                                "PATCH apply ServiceAccount image-registry",
                                "PATCH apply Secret image-registry-private",
                                "PATCH apply Secret image-registry-admin",
                                "PATCH apply Secret image-registry-config",
                                "PATCH apply Secret image-registry-ca-key",
                                "PATCH apply Secret image-registry-tls",
                                "PATCH apply ConfigMap image-registry-ca",
                                "PATCH apply Service image-registry",
                                "PATCH apply Deployment image-registry",
                            });
  const Json admin = cluster.object("Secret", kAdmin);
  CHECK(admin.at("type") == "kubernetes.io/basic-auth");
  CHECK(kube::at(admin, "/metadata/ownerReferences/0/uid") == kube::uid(cluster.cr()));
  CHECK(kube::label(admin, "app.kubernetes.io/managed-by") == "registry-operator");
  CHECK(secretValueOf(cluster, kAdmin, "username") == "admin");
  const std::string password = secretValueOf(cluster, kAdmin, "password");
  CHECK(password.size() == 32);
  const std::string htpasswd = secretValueOf(cluster, kAdmin, "htpasswd");
  CHECK(bcryptMatches(password, hashOf(htpasswd, "admin")));
  // The registry reads that very entry, and nothing else.
  CHECK(secretValueOf(cluster, kConfig, "htpasswd") == htpasswd);
  const std::string hash = configHashOf(cluster.object("Deployment", kName));
  const auto versions = versionsOf(cluster);

  // The cache has not seen N-admin yet: it is read from the API server, not made again.
  cluster.clock->advance(1min);
  REQUIRE(cluster.reconcile().ok());
  CHECK(secretReads(cluster, kAdmin) == 2);  // the cache miss, then the look before the apply
  CHECK(secretValueOf(cluster, kAdmin, "password") == password);
  CHECK(secretValueOf(cluster, kAdmin, "htpasswd") == htpasswd);
  CHECK(configHashOf(cluster.object("Deployment", kName)) == hash);
  CHECK(versionsOf(cluster) == versions);

  // At rest: no write, and the password is never in status.
  cluster.settle();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "False/AsExpected");
  CHECK(secretValueOf(cluster, kAdmin, "password") == password);
  CHECK(cluster.cr().dump().find(password) == std::string::npos);
}

TEST_CASE("reconciler: a cache that has N-admin but no hash in it makes no second password") {
  Cluster cluster;
  cluster.create(crWithSpec(kAdminSpec));
  cluster.settle();
  const std::string password = secretValueOf(cluster, kAdmin, "password");
  // The cache holds an N-admin from before its hash was written (a lagging informer); the API
  // server has the whole Secret. Decided again on the server's copy: nothing changes.
  Json stale = cluster.object("Secret", kAdmin);
  stale["data"].erase("htpasswd");
  cluster.caches.owned.at("Secret")->upsert(stale);
  REQUIRE(cluster.reconcile().ok());
  CHECK(secretValueOf(cluster, kAdmin, "password") == password);
  for (const auto& write : cluster.writes()) {
    CHECK(write.find("Deployment") == std::string::npos);
    CHECK(write.find(kConfig) == std::string::npos);
  }
}

TEST_CASE("reconciler: deleting N-admin makes a new password and rolls the pods") {
  Cluster cluster;
  cluster.create(crWithSpec(kAdminSpec));
  cluster.settle();
  const std::string password = secretValueOf(cluster, kAdmin, "password");
  const std::string hash = configHashOf(cluster.object("Deployment", kName));

  cluster.server->erase(collectionOf("Secret"), "registry/" + kAdmin);
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{"PATCH apply Secret image-registry-admin",
                                                     "PATCH apply Secret image-registry-config",
                                                     "PATCH apply Deployment image-registry",
                                                     kStatusWrite});
  const std::string renewed = secretValueOf(cluster, kAdmin, "password");
  CHECK(renewed != password);
  CHECK(bcryptMatches(renewed, hashOf(secretValueOf(cluster, kConfig, "htpasswd"), "admin")));
  CHECK_FALSE(
      bcryptMatches(password, hashOf(secretValueOf(cluster, kConfig, "htpasswd"), "admin")));
  CHECK(configHashOf(cluster.object("Deployment", kName)) != hash);

  // A password an administrator sets by hand is hashed and rolled out, and kept.
  Json admin = cluster.object("Secret", kAdmin);
  admin["data"]["password"] = kube::base64Encode("chosen-by-the-admin");
  cluster.server->put(collectionOf("Secret"), admin);
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(secretValueOf(cluster, kAdmin, "password") == "chosen-by-the-admin");
  CHECK(bcryptMatches("chosen-by-the-admin",
                      hashOf(secretValueOf(cluster, kConfig, "htpasswd"), "admin")));
  cluster.settle();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());
}

TEST_CASE("reconciler: an admin password bcrypt cannot take is refused, N-admin and pods kept") {
  Cluster cluster;
  cluster.create(crWithSpec(kAdminSpec));
  cluster.settle();
  const std::string htpasswd = secretValueOf(cluster, kConfig, "htpasswd");
  const std::string hash = configHashOf(cluster.object("Deployment", kName));
  // Set by hand, and longer than the 72 bytes bcrypt reads.
  const std::string too_long(80, 'x');
  Json admin = cluster.object("Secret", kAdmin);
  admin["data"]["password"] = kube::base64Encode(too_long);
  cluster.server->put(collectionOf("Secret"), admin);
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  // N-admin is applied as it now is (the edit becomes what the operator last applied), nothing
  // that the pods read.
  CHECK(cluster.writes() ==
        std::vector<std::string>{"PATCH apply Secret image-registry-admin", kStatusWrite});
  const Json status = cluster.cr().at("status");
  CHECK(stateOf(status, "Degraded") == "True/HtpasswdInvalid");
  CHECK(condition(status, "Degraded").at("message") ==
        "Secret \"image-registry-admin\": key password is longer than 72 bytes, of which bcrypt "
        "would read only the first 72");
  // Not deleted, not replaced by a new password: the administrator fixes it.
  CHECK(secretValueOf(cluster, kAdmin, "password") == too_long);
  CHECK(secretValueOf(cluster, kConfig, "htpasswd") == htpasswd);
  CHECK(configHashOf(cluster.object("Deployment", kName)) == hash);
}

TEST_CASE(
    "reconciler: a users Secret is hashed once, rolls nothing while unchanged, one user at a "
    "time") {
  Cluster cluster;
  cluster.server->put(collectionOf("Secret"),
                      usersSecret({{"alice", "alice-password"}, {"bob", "bob-password"}}));
  cluster.create(crWithSpec(kUsersSpec));
  REQUIRE(cluster.reconcile().ok());
  const std::string htpasswd = secretValueOf(cluster, kHtpasswd, "htpasswd");
  CHECK(secretValueOf(cluster, kConfig, "htpasswd") == htpasswd);
  CHECK(bcryptMatches("alice-password", hashOf(htpasswd, "alice")));
  CHECK(bcryptMatches("bob-password", hashOf(htpasswd, "bob")));
  // The users Secret replaces the generated admin.
  CHECK_FALSE(cluster.exists("Secret", kAdmin));
  // The passwords are stored nowhere but in the user's own Secret.
  for (const auto& [name, version] : versionsOf(cluster)) {
    if (name.rfind("Secret/", 0) != 0 || name == "Secret/users") continue;
    INFO(name);
    CHECK(
        cluster.object("Secret", name.substr(7)).dump().find(kube::base64Encode("bob-password")) ==
        std::string::npos);
  }

  // A lagging cache (N-htpasswd not in it yet) does not hash anyone again.
  REQUIRE(cluster.reconcile().ok());
  CHECK(secretValueOf(cluster, kHtpasswd, "htpasswd") == htpasswd);

  cluster.settle();
  const std::string hash = configHashOf(cluster.object("Deployment", kName));
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());

  // bob's password changes: only his entry is made anew, and the pods roll once.
  cluster.server->put(collectionOf("Secret"),
                      usersSecret({{"alice", "alice-password"}, {"bob", "bob-new-password"}}));
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{"PATCH apply Secret image-registry-htpasswd",
                                                     "PATCH apply Secret image-registry-config",
                                                     "PATCH apply Deployment image-registry",
                                                     kStatusWrite});
  const std::string changed = secretValueOf(cluster, kHtpasswd, "htpasswd");
  CHECK(hashOf(changed, "alice") == hashOf(htpasswd, "alice"));
  CHECK(bcryptMatches("bob-new-password", hashOf(changed, "bob")));
  CHECK(secretValueOf(cluster, kConfig, "htpasswd") == changed);
  CHECK(configHashOf(cluster.object("Deployment", kName)) != hash);
  cluster.settle();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());
}

TEST_CASE(
    "reconciler: a users Secret with a bad key degrades the CR naming the key and holds the rest") {
  Cluster cluster;
  cluster.server->put(collectionOf("Secret"), usersSecret({{"alice", "alice-password"}}));
  cluster.create(crWithSpec(kUsersSpec));
  cluster.settle();
  const std::string hash = configHashOf(cluster.object("Deployment", kName));
  const std::string htpasswd = secretValueOf(cluster, kHtpasswd, "htpasswd");

  cluster.server->put(collectionOf("Secret"),
                      usersSecret({{"alice", "alice-password"}, {"bad:name", "the-bad-password"}}));
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{kStatusWrite});
  const Json status = cluster.cr().at("status");
  CHECK(stateOf(status, "Degraded") == "True/HtpasswdInvalid");
  const std::string message = condition(status, "Degraded").at("message");
  CHECK_THAT(message, Catch::StartsWith("spec.auth.usersSecret: Secret \"users\": key \"bad:name\" "
                                        "is not a user name"));
  CHECK(message.find("the-bad-password") == std::string::npos);
  CHECK(status.at("configHash") == hash);
  CHECK(secretValueOf(cluster, kHtpasswd, "htpasswd") == htpasswd);

  // The Secret goes missing: Unavailable, still nothing rolled.
  cluster.server->erase(collectionOf("Secret"), "registry/users");
  REQUIRE(cluster.reconcile().ok());
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "True/HtpasswdUnavailable");
  CHECK(condition(cluster.cr().at("status"), "Degraded").at("message") ==
        "spec.auth.usersSecret: Secret \"users\" not found in namespace registry");
  CHECK(configHashOf(cluster.object("Deployment", kName)) == hash);
}

TEST_CASE("reconciler: an htpasswd with an MD5 entry is refused by line and user, the pods kept") {
  Cluster cluster;
  cluster.server->put(collectionOf("Secret"),
                      userSecret("users", "htpasswd", "alice:" + kAliceHash + "\n"));
  cluster.create(
      crWithSpec(kEmptyDir + "  auth: {type: Htpasswd, htpasswdSecret: users}\n" + kNoPruner));
  cluster.settle();
  // The user's htpasswd reaches the registry byte for byte.
  CHECK(secretValueOf(cluster, kConfig, "htpasswd") == "alice:" + kAliceHash + "\n");
  CHECK_FALSE(cluster.exists("Secret", kAdmin));
  CHECK_FALSE(cluster.exists("Secret", kHtpasswd));
  const std::string hash = configHashOf(cluster.object("Deployment", kName));

  const std::string md5 = "$apr1$WNpi0pNB$7MRPmiM3tgN2d2fuymjE.0";
  cluster.server->put(
      collectionOf("Secret"),
      userSecret("users", "htpasswd", "alice:" + kAliceHash + "\nbob:" + md5 + "\n"));
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{kStatusWrite});
  const Json status = cluster.cr().at("status");
  CHECK(stateOf(status, "Degraded") == "True/HtpasswdInvalid");
  CHECK(condition(status, "Degraded").at("message") ==
        "spec.auth.htpasswdSecret: Secret \"users\" key htpasswd: the registry accepts bcrypt "
        "entries only ($2y$, $2a$ or $2b$, as `htpasswd -B` makes them): line 2 (user \"bob\"): "
        "an MD5 ($apr1$) hash");
  CHECK(status.at("configHash") == hash);
  CHECK(secretValueOf(cluster, kConfig, "htpasswd") == "alice:" + kAliceHash + "\n");
}

TEST_CASE("reconciler: a users Secret named later replaces the generated admin") {
  Cluster cluster;
  cluster.create(crWithSpec(kAdminSpec));
  cluster.settle();
  REQUIRE(cluster.exists("Secret", kAdmin));
  cluster.server->put(collectionOf("Secret"), usersSecret({{"carol", "carol-password"}}));
  cluster.editSpec([](Json& spec) { spec["auth"]["usersSecret"] = "users"; });
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  const auto writes = cluster.writes();
  CHECK(std::count(writes.begin(), writes.end(), "DELETE Secret image-registry-admin") == 1);
  CHECK_FALSE(cluster.exists("Secret", kAdmin));
  const std::string htpasswd = secretValueOf(cluster, kConfig, "htpasswd");
  CHECK(hashOf(htpasswd, "admin").empty());
  CHECK(bcryptMatches("carol-password", hashOf(htpasswd, "carol")));
}

TEST_CASE("reconciler: the pruner logs in as the jobs' own user, made once, gone with the pruner") {
  Cluster cluster;
  cluster.create(crWithSpec(kEmptyDir + "  auth: {type: Htpasswd}\n"));
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes() == std::vector<std::string>{
                                "PATCH apply ServiceAccount image-registry",
                                "PATCH apply Secret image-registry-private",
                                "PATCH apply Secret image-registry-admin",
                                "PATCH apply Secret image-registry-jobs-credentials",
                                "PATCH apply Secret image-registry-config",
                                "PATCH apply Secret image-registry-ca-key",
                                "PATCH apply Secret image-registry-tls",
                                "PATCH apply ConfigMap image-registry-ca",
                                "PATCH apply Service image-registry",
                                "PATCH apply Deployment image-registry",
                                "PATCH apply ServiceAccount image-registry-jobs",
                                "PATCH apply Role image-registry-jobs",
                                "PATCH apply RoleBinding image-registry-jobs",
                                "PATCH apply CronJob image-registry-pruner",
                            });
  const std::string jobs = "image-registry-jobs-credentials";
  CHECK(secretValueOf(cluster, jobs, "username") == "registry-operator-jobs");
  const std::string password = secretValueOf(cluster, jobs, "password");
  const std::string htpasswd = secretValueOf(cluster, kConfig, "htpasswd");
  // The admin's line, then the jobs'.
  CHECK(htpasswd ==
        secretValueOf(cluster, kAdmin, "htpasswd") + secretValueOf(cluster, jobs, "htpasswd"));
  CHECK(bcryptMatches(password, hashOf(htpasswd, "registry-operator-jobs")));
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "False/AsExpected");
  const Json pruner = cluster.object("CronJob", "image-registry-pruner");
  const Json pod = kube::at(pruner, "/spec/jobTemplate/spec/template/spec");
  const std::string command = pod.at("containers").at(0).at("command").dump();
  CHECK(
      command.find(
          R"("--username","registry-operator-jobs","--password-file","/etc/registry-credentials/password")") !=
      std::string::npos);
  CHECK(pod.at("volumes").dump().find(jobs) != std::string::npos);

  // Through a lagging cache: the same password.
  REQUIRE(cluster.reconcile().ok());
  CHECK(secretValueOf(cluster, jobs, "password") == password);
  cluster.settle();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());

  // No CronJob, no user: its Secret goes, its line leaves the htpasswd, the pods roll.
  cluster.editSpec([](Json& spec) {
    spec["components"] = Json::array({{{"kind", "pruner"}, {"managed", false}}});
  });
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK_FALSE(cluster.exists("Secret", jobs));
  CHECK(secretValueOf(cluster, kConfig, "htpasswd") == secretValueOf(cluster, kAdmin, "htpasswd"));
}

TEST_CASE("reconciler: the jobs' user name is refused in a users Secret and an htpasswd Secret") {
  Cluster cluster;
  cluster.server->put(collectionOf("Secret"),
                      usersSecret({{"alice", "alice-password"},
                                   {"registry-operator-jobs", "taken-over-password"}}));
  cluster.create(crWithSpec(kUsersSpec));
  REQUIRE(cluster.reconcile().ok());
  CHECK_FALSE(cluster.exists("Deployment", kName));
  CHECK(stateOf(cluster.cr().at("status"), "Degraded") == "True/HtpasswdInvalid");
  CHECK(condition(cluster.cr().at("status"), "Degraded").at("message") ==
        "spec.auth.usersSecret: Secret \"users\": key \"registry-operator-jobs\": user "
        "\"registry-operator-jobs\" is reserved for the operator's jobs");

  cluster.server->put(
      collectionOf("Secret"),
      userSecret("given", "htpasswd",
                 "alice:" + kAliceHash + "\nregistry-operator-jobs:" + kAliceHash + "\n"));
  cluster.editSpec([](Json& spec) {
    spec["auth"] = {{"type", "Htpasswd"}, {"htpasswdSecret", "given"}};
  });
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  CHECK(condition(cluster.cr().at("status"), "Degraded").at("message") ==
        "spec.auth.htpasswdSecret: Secret \"given\" key htpasswd: line 2: user "
        "\"registry-operator-jobs\" is reserved for the operator's jobs");
}

// --- auth type Kubernetes: the token service's signing key in N-token-signing -------------------

namespace {

const std::string kTokenSigning = "image-registry-token-signing";
const std::string kTokenSpec = kEmptyDir + "  auth: {type: Kubernetes}\n" + kNoPruner;

CaMaterial signingKeyIn(const Cluster& cluster) {
  CaMaterial material;
  material.certPem = secretValueOf(cluster, kTokenSigning, "signing.crt");
  material.keyPem = secretValueOf(cluster, kTokenSigning, "signing.key");
  return material;
}

bool hasContainer(const Json& deployment, const std::string& name) {
  for (const auto& container : kube::at(deployment, "/spec/template/spec/containers")) {
    if (container.at("name") == name) return true;
  }
  return false;
}

bool hasPort(const Json& service, const std::string& name) {
  for (const auto& port : kube::at(service, "/spec/ports")) {
    if (port.at("name") == name) return true;
  }
  return false;
}

bool writesSecret(const Cluster& cluster, const std::string& name) {
  const auto writes = cluster.writes();
  return std::find(writes.begin(), writes.end(), "PATCH apply Secret " + name) != writes.end();
}

}  // namespace

TEST_CASE(
    "reconciler: auth Kubernetes makes N-token-signing once, its certificate in N-config, "
    "reused through a lagging cache, and nothing written at rest") {
  Cluster cluster;
  cluster.create(crWithSpec(kTokenSpec));
  auto first = cluster.reconcile();
  INFO((first.ok() ? std::string() : first.error().message()));
  REQUIRE(first.ok());
  CHECK(writesSecret(cluster, kTokenSigning));
  const Json signing = cluster.object("Secret", kTokenSigning);
  CHECK(kube::at(signing, "/metadata/ownerReferences/0/uid") == kube::uid(cluster.cr()));
  CHECK(kube::label(signing, "app.kubernetes.io/managed-by") == "registry-operator");
  const CaMaterial key = signingKeyIn(cluster);
  CHECK(key.certPem.find("-----BEGIN CERTIFICATE-----") == 0);
  CHECK(key.keyPem.find("PRIVATE KEY-----") != std::string::npos);
  const auto problem = signingKeyProblem(key, cluster.clock->wallNow());
  INFO(problem.value_or("no problem"));
  CHECK_FALSE(problem);
  // The registry verifies tokens with exactly that certificate.
  CHECK(secretValueOf(cluster, kConfig, "token-ca.crt") == key.certPem);
  CHECK(hasContainer(cluster.object("Deployment", kName), "auth-server"));
  CHECK(hasPort(cluster.object("Service", kName), "auth"));
  // The key is in no other object, nor in status.
  CHECK(secretData(cluster, kConfig).find(kube::base64Encode(key.keyPem)) == std::string::npos);
  CHECK(cluster.cr().dump().find(kube::base64Encode(key.keyPem)) == std::string::npos);
  const std::string hash = configHashOf(cluster.object("Deployment", kName));
  const auto versions = versionsOf(cluster);

  // The cache has not seen N-token-signing yet: it is read from the API server, not made again.
  cluster.clock->advance(1min);
  REQUIRE(cluster.reconcile().ok());
  CHECK(secretReads(cluster, kTokenSigning) >= 1);
  CHECK(signingKeyIn(cluster).keyPem == key.keyPem);
  CHECK(signingKeyIn(cluster).certPem == key.certPem);
  CHECK(configHashOf(cluster.object("Deployment", kName)) == hash);
  CHECK(versionsOf(cluster) == versions);

  // At rest: no write, the same key.
  cluster.settle();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());
  CHECK(signingKeyIn(cluster).keyPem == key.keyPem);
  CHECK(configHashOf(cluster.object("Deployment", kName)) == hash);
}

TEST_CASE(
    "reconciler: a stale unsound N-token-signing in the cache does not replace the live one") {
  Cluster cluster;
  cluster.create(crWithSpec(kTokenSpec));
  cluster.settle();
  const CaMaterial key = signingKeyIn(cluster);
  Json stale = cluster.object("Secret", kTokenSigning);
  stale["data"]["signing.key"] = kube::base64Encode("not a key");
  cluster.caches.owned.at("Secret")->upsert(stale);
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());
  CHECK(signingKeyIn(cluster).keyPem == key.keyPem);
  CHECK(signingKeyIn(cluster).certPem == key.certPem);
}

TEST_CASE("reconciler: an unsound N-token-signing is replaced by a new pair and the pods roll") {
  Cluster cluster;
  cluster.create(crWithSpec(kTokenSpec));
  cluster.settle();
  const CaMaterial key = signingKeyIn(cluster);
  const std::string hash = configHashOf(cluster.object("Deployment", kName));

  Json broken = cluster.object("Secret", kTokenSigning);
  SECTION("a key that does not match the certificate") {
    auto other = issueCa(cluster.clock->wallNow(), std::chrono::hours(24 * 365));
    REQUIRE(other);
    broken["data"]["signing.key"] = kube::base64Encode(other->keyPem);
  }
  SECTION("garbage") {
    broken["data"]["signing.key"] = kube::base64Encode("-----BEGIN PRIVATE KEY-----\ngarbage\n");
    broken["data"]["signing.crt"] = kube::base64Encode("not a certificate");
  }
  SECTION("no key at all") { broken["data"].erase("signing.key"); }
  cluster.server->put(collectionOf("Secret"), broken);
  cluster.catchUp();

  REQUIRE(cluster.reconcile().ok());
  CHECK(writesSecret(cluster, kTokenSigning));
  CHECK(writesSecret(cluster, kConfig));
  const CaMaterial renewed = signingKeyIn(cluster);
  CHECK(renewed.keyPem != key.keyPem);
  CHECK(renewed.certPem != key.certPem);
  CHECK_FALSE(signingKeyProblem(renewed, cluster.clock->wallNow()));
  CHECK(secretValueOf(cluster, kConfig, "token-ca.crt") == renewed.certPem);
  CHECK(configHashOf(cluster.object("Deployment", kName)) != hash);

  // And then kept.
  cluster.settle();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());
  CHECK(signingKeyIn(cluster).keyPem == renewed.keyPem);
}

TEST_CASE(
    "reconciler: auth type None after Kubernetes deletes N-token-signing, the auth-server "
    "container and the Service's auth port") {
  Cluster cluster;
  cluster.create(crWithSpec(kTokenSpec));
  cluster.settle();
  REQUIRE(cluster.exists("Secret", kTokenSigning));

  cluster.editSpec([](Json& spec) { spec["auth"] = {{"type", "None"}}; });
  cluster.catchUp();
  REQUIRE(cluster.reconcile().ok());
  const auto writes = cluster.writes();
  CHECK(std::find(writes.begin(), writes.end(), "DELETE Secret " + kTokenSigning) != writes.end());
  CHECK_FALSE(cluster.exists("Secret", kTokenSigning));
  CHECK_FALSE(hasContainer(cluster.object("Deployment", kName), "auth-server"));
  CHECK_FALSE(hasPort(cluster.object("Service", kName), "auth"));
  CHECK(kube::at(cluster.object("Secret", kConfig), "/data").count("token-ca.crt") == 0);

  cluster.settle();
  REQUIRE(cluster.reconcile().ok());
  CHECK(cluster.writes().empty());
}

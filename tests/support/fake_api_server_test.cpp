// The fake API server's own semantics, where reconciler tests rely on them: server-side apply
// (creation, merging, removal of fields the manager stopped applying, ownership taken by other
// writers), the status subresource, patch types, delete preconditions and injected refusals.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kube/api.h"
#include "support/fake_api_server.h"

using testsupport::FakeApiServer;
using testsupport::Json;

namespace {

const std::string kConfigMaps = "/api/v1/configmaps";
const std::string kDeployments = "/apis/apps/v1/deployments";

struct Fixture {
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>();
  kube::ClientPtr client = FakeApiServer::clientFor(server);
  kube::Api configMaps{client, kube::resources::configMaps(), "ns"};
  kube::Api deployments{client, kube::resources::deployments(), "ns"};

  // A merge patch of Deployment `name`'s status subresource, as another controller sends it (the
  // operator itself never does, so kube::Api has no call for it).
  Json mergePatchStatus(const std::string& name, const Json& patch) {
    kube::HttpRequest request;
    request.method = "PATCH";
    request.target = "/apis/apps/v1/namespaces/ns/deployments/" + name + "/status";
    request.headers["Content-Type"] = "application/merge-patch+json";
    request.body = patch.dump();
    auto response = server->send(request);
    REQUIRE(response);
    REQUIRE(response->status == 200);
    return Json::parse(response->body);
  }

  Json stored(const std::string& collection, const std::string& name) const {
    auto object = server->object(collection, "ns/" + name);
    REQUIRE(object);
    return *object;
  }
  // Events a watch from `resource_version` delivers for config maps.
  int eventsSince(const std::string& resource_version) {
    server->setAutoClose(true);
    int events = 0;
    kube::WatchParams params;
    params.resource_version = resource_version;
    params.allow_bookmarks = false;
    kube::CancelToken cancel;
    auto watched = configMaps.watch(
        params,
        [&](const kube::WatchEvent&) {
          ++events;
          return true;
        },
        cancel);
    REQUIRE(watched);
    return events;
  }
};

Json configMap(const Json& data) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "c"}, {"namespace", "ns"}}},
          {"data", data}};
}

kube::ApplyParams manager(const std::string& name) {
  kube::ApplyParams params;
  params.field_manager = name;
  return params;
}

}  // namespace

TEST_CASE("fake API server: an apply creates a missing object and answers 201") {
  Fixture f;
  auto created = f.configMaps.apply(configMap({{"a", "1"}}));
  REQUIRE(created);
  CHECK((*created)["data"] == Json{{"a", "1"}});
  CHECK_FALSE(kube::uid(*created).empty());
  CHECK_FALSE(kube::resourceVersion(*created).empty());
  CHECK(f.stored(kConfigMaps, "c") == *created);

  const auto requests = f.server->requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "PATCH");
  CHECK(requests[0].target ==
        "/api/v1/namespaces/ns/configmaps/c?fieldManager=registry-operator&force=true");
  CHECK(requests[0].content_type == testsupport::kApplyPatch);
  CHECK(requests[0].status == 201);
}

TEST_CASE("fake API server: an apply sets its fields and keeps those another client set") {
  Fixture f;
  REQUIRE(f.configMaps.apply(configMap({{"a", "1"}, {"b", "1"}})));
  // Someone else adds a key and a label.
  REQUIRE(f.configMaps.mergePatch(
      "c", {{"metadata", {{"labels", {{"mine", "yes"}}}}}, {"data", {{"theirs", "x"}}}}));
  auto applied = f.configMaps.apply(configMap({{"a", "2"}, {"b", "1"}}));
  REQUIRE(applied);
  CHECK((*applied)["data"] == Json{{"a", "2"}, {"b", "1"}, {"theirs", "x"}});
  CHECK((*applied)["metadata"]["labels"] == Json{{"mine", "yes"}});
  CHECK(kube::uid(*applied) == kube::uid(f.stored(kConfigMaps, "c")));
}

TEST_CASE("fake API server: an apply removes what its manager applied before and dropped now") {
  Fixture f;
  Json first = configMap({{"a", "1"}, {"b", "1"}});
  first["metadata"]["annotations"] = {{"note", "x"}};
  REQUIRE(f.configMaps.apply(first));
  // Another manager applies b too: b is then shared and survives our dropping it.
  Json other = configMap({{"b", "1"}});
  REQUIRE(f.configMaps.apply(other, manager("other")));

  auto applied = f.configMaps.apply(configMap({{"a", "1"}}));
  REQUIRE(applied);
  CHECK((*applied)["data"] == Json{{"a", "1"}, {"b", "1"}});
  // The annotations object that held only our field goes with it.
  CHECK_FALSE((*applied)["metadata"].contains("annotations"));
  CHECK(f.server->appliedBy(kConfigMaps, "ns/c", "registry-operator") ==
        Json{{"data", {{"a", "1"}}}});

  // Once the other manager drops b too, it is gone.
  REQUIRE(f.configMaps.apply(configMap(Json::object()), manager("other")));
  CHECK(f.stored(kConfigMaps, "c")["data"] == Json{{"a", "1"}});
}

TEST_CASE("fake API server: a field another client changed is no longer the applier's") {
  Fixture f;
  REQUIRE(f.configMaps.apply(configMap({{"a", "1"}, {"b", "1"}})));
  // A hand edit of b (kubectl edit): b is the editor's now.
  REQUIRE(f.configMaps.mergePatch("c", {{"data", {{"b", "edited"}}}}));
  CHECK(f.server->appliedBy(kConfigMaps, "ns/c", "registry-operator") ==
        Json{{"data", {{"a", "1"}}}});
  auto applied = f.configMaps.apply(configMap({{"a", "1"}}));
  REQUIRE(applied);
  CHECK((*applied)["data"] == Json{{"a", "1"}, {"b", "edited"}});

  // A forced apply takes a field back; the other applier loses it.
  REQUIRE(f.configMaps.apply(configMap({{"c", "theirs"}}), manager("other")));
  REQUIRE(f.configMaps.apply(configMap({{"a", "1"}, {"c", "ours"}})));
  CHECK(f.server->appliedBy(kConfigMaps, "ns/c", "other") == Json::object());
  REQUIRE(f.configMaps.apply(configMap({{"a", "1"}})));
  CHECK(f.stored(kConfigMaps, "c")["data"] == Json{{"a", "1"}, {"b", "edited"}});
}

TEST_CASE("fake API server: lists are replaced whole by an apply (none merges by key)") {
  Fixture f;
  Json deployment = {{"apiVersion", "apps/v1"},
                     {"kind", "Deployment"},
                     {"metadata", {{"name", "d"}, {"namespace", "ns"}}},
                     {"spec", {{"ports", Json::array({{{"port", 1}}, {{"port", 2}}})}}}};
  REQUIRE(f.deployments.apply(deployment));
  deployment["spec"]["ports"] = Json::array({{{"port", 3}}});
  auto applied = f.deployments.apply(deployment);
  REQUIRE(applied);
  CHECK((*applied)["spec"]["ports"] == Json::array({{{"port", 3}}}));
}

TEST_CASE("fake API server: an apply that changes nothing writes nothing") {
  Fixture f;
  auto first = f.configMaps.apply(configMap({{"a", "1"}}));
  REQUIRE(first);
  auto again = f.configMaps.apply(configMap({{"a", "1"}}));
  REQUIRE(again);
  CHECK(kube::resourceVersion(*again) == kube::resourceVersion(*first));
  auto patched = f.configMaps.mergePatch("c", {{"data", {{"a", "1"}}}});
  REQUIRE(patched);
  CHECK(kube::resourceVersion(*patched) == kube::resourceVersion(*first));
  CHECK(f.eventsSince(kube::resourceVersion(*first)) == 0);

  // A change is one write and one event.
  REQUIRE(f.configMaps.apply(configMap({{"a", "2"}})));
  CHECK(f.eventsSince(kube::resourceVersion(*first)) == 1);
}

TEST_CASE("fake API server: a main-resource apply ignores status, a status apply sets only it") {
  Fixture f;
  Json deployment = {{"apiVersion", "apps/v1"},
                     {"kind", "Deployment"},
                     {"metadata", {{"name", "d"}, {"namespace", "ns"}}},
                     {"spec", {{"replicas", 1}}},
                     {"status", {{"readyReplicas", 7}}}};
  // The status subresource of a missing object is not found.
  auto missing = f.deployments.applyStatus(deployment);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().is(kube::ErrorKind::NotFound));

  auto created = f.deployments.apply(deployment);
  REQUIRE(created);
  CHECK_FALSE(created->contains("status"));

  Json status_only = deployment;
  status_only["spec"]["replicas"] = 5;
  status_only["status"] = {{"readyReplicas", 1}, {"note", "x"}};
  auto with_status = f.deployments.applyStatus(status_only);
  REQUIRE(with_status);
  CHECK((*with_status)["spec"]["replicas"] == 1);
  CHECK((*with_status)["status"] == Json{{"readyReplicas", 1}, {"note", "x"}});

  // Status fields of another manager survive; ours that we drop go.
  f.mergePatchStatus("d", {{"status", {{"mirrors", Json::array({"m"})}}}});
  status_only["status"] = {{"readyReplicas", 2}};
  REQUIRE(f.deployments.applyStatus(status_only));
  CHECK(f.stored(kDeployments, "d")["status"] ==
        Json{{"readyReplicas", 2}, {"mirrors", Json::array({"m"})}});

  // A main-resource apply leaves status alone, even without naming it.
  deployment.erase("status");
  deployment["spec"]["replicas"] = 3;
  auto main = f.deployments.apply(deployment);
  REQUIRE(main);
  CHECK((*main)["spec"]["replicas"] == 3);
  CHECK((*main)["status"]["readyReplicas"] == 2);
}

TEST_CASE("fake API server: a status merge patch changes only status") {
  Fixture f;
  f.server->put(kDeployments, {{"apiVersion", "apps/v1"},
                               {"kind", "Deployment"},
                               {"metadata", {{"name", "d"}, {"namespace", "ns"}}},
                               {"spec", {{"replicas", 1}}}});
  Json patched =
      f.mergePatchStatus("d", {{"spec", {{"replicas", 9}}}, {"status", {{"readyReplicas", 1}}}});
  CHECK(patched["spec"]["replicas"] == 1);
  CHECK(patched["status"]["readyReplicas"] == 1);
}

TEST_CASE("fake API server: a merge patch of a missing object is not found") {
  Fixture f;
  auto patched = f.configMaps.mergePatch("c", {{"data", {{"a", "1"}}}});
  REQUIRE_FALSE(patched);
  CHECK(patched.error().is(kube::ErrorKind::NotFound));
  CHECK_FALSE(f.server->object(kConfigMaps, "ns/c"));
}

TEST_CASE("fake API server: strategic merge patch and applies it cannot attribute are refused") {
  Fixture f;
  f.server->put(kConfigMaps, configMap({{"a", "1"}}));
  kube::HttpRequest strategic;
  strategic.method = "PATCH";
  strategic.target = "/api/v1/namespaces/ns/configmaps/c";
  strategic.headers["Content-Type"] = "application/strategic-merge-patch+json";
  strategic.body = R"({"data":{"a":"2"}})";
  auto refused = f.client->send(strategic);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().httpCode() == 415);
  CHECK(f.stored(kConfigMaps, "c")["data"]["a"] == "1");

  kube::ApplyParams anonymous;
  anonymous.field_manager.clear();
  auto no_manager = f.configMaps.apply(configMap({{"a", "2"}}), anonymous);
  REQUIRE_FALSE(no_manager);
  CHECK(no_manager.error().is(kube::ErrorKind::BadRequest));

  Json renamed = configMap({{"a", "2"}});
  renamed["metadata"]["name"] = "other";
  kube::HttpRequest mismatch;
  mismatch.method = "PATCH";
  mismatch.target = "/api/v1/namespaces/ns/configmaps/c?fieldManager=m";
  mismatch.headers["Content-Type"] = testsupport::kApplyPatch;
  mismatch.body = renamed.dump();
  auto wrong_name = f.client->send(mismatch);
  REQUIRE_FALSE(wrong_name);
  CHECK(wrong_name.error().is(kube::ErrorKind::BadRequest));
  CHECK(f.stored(kConfigMaps, "c")["data"]["a"] == "1");
}

TEST_CASE("fake API server: an apply may be YAML") {
  Fixture f;
  kube::HttpRequest request;
  request.method = "PATCH";
  request.target = "/api/v1/namespaces/ns/configmaps/c?fieldManager=m";
  request.headers["Content-Type"] = testsupport::kApplyPatch;
  request.body =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ns\n"
      "data:\n  a: \"1\"\n";
  REQUIRE(f.client->send(request));
  CHECK(f.stored(kConfigMaps, "c")["data"] == Json{{"a", "1"}});
}

TEST_CASE("fake API server: an injected 422 on applies is an Invalid error and spares patches") {
  Fixture f;
  REQUIRE(f.configMaps.apply(configMap({{"a", "1"}})));
  f.server->fault({"PATCH", "/configmaps/c", 422, 1, {}, testsupport::kApplyPatch});
  // A merge patch does not match the fault.
  REQUIRE(f.configMaps.mergePatch("c", {{"data", {{"b", "1"}}}}));
  auto refused = f.configMaps.apply(configMap({{"a", "2"}}));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().is(kube::ErrorKind::Invalid));
  CHECK(refused.error().httpCode() == 422);
  CHECK(refused.error().reason() == "Invalid");
  CHECK(f.stored(kConfigMaps, "c")["data"]["a"] == "1");
  // Only once.
  REQUIRE(f.configMaps.apply(configMap({{"a", "2"}})));

  const auto requests = f.server->requests();
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& request : requests) seen.emplace_back(request.content_type, request.status);
  CHECK(seen == std::vector<std::pair<std::string, int>>{{testsupport::kApplyPatch, 201},
                                                         {testsupport::kMergePatch, 200},
                                                         {testsupport::kApplyPatch, 422},
                                                         {testsupport::kApplyPatch, 200}});
}

TEST_CASE("fake API server: a delete whose uid precondition fails is a conflict and deletes none") {
  Fixture f;
  const Json stored = f.server->put(kConfigMaps, configMap({{"a", "1"}}));
  kube::DeleteParams wrong;
  wrong.precondition_uid = "someone-else";
  auto refused = f.configMaps.remove("c", wrong);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().is(kube::ErrorKind::Conflict));
  CHECK(f.server->object(kConfigMaps, "ns/c"));

  kube::DeleteParams right;
  right.precondition_uid = kube::uid(stored);
  REQUIRE(f.configMaps.remove("c", right));
  CHECK_FALSE(f.server->object(kConfigMaps, "ns/c"));
  // What the manager applied goes with the object: a new one starts afresh.
  CHECK_FALSE(f.server->appliedBy(kConfigMaps, "ns/c", "registry-operator"));
}

TEST_CASE("fake API server: label selectors match prefixed keys") {
  Fixture f;
  Json labelled = configMap({{"a", "1"}});
  labelled["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "registry-operator"}};
  f.server->put(kConfigMaps, labelled);
  Json other = configMap({{"a", "1"}});
  other["metadata"]["name"] = "d";
  other["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "someone"}};
  f.server->put(kConfigMaps, other);
  kube::ListParams params;
  params.label_selector = "app.kubernetes.io/managed-by=registry-operator";
  auto listed = f.configMaps.list(params);
  REQUIRE(listed);
  REQUIRE(listed->items.size() == 1);
  CHECK(kube::name(listed->items[0]) == "c");
  params.label_selector = "app.kubernetes.io/managed-by";
  CHECK(f.configMaps.list(params)->items.size() == 2);
  // "!=" matches other values and objects without the label, as the API server's does.
  Json unlabelled = configMap({{"a", "1"}});
  unlabelled["metadata"]["name"] = "e";
  f.server->put(kConfigMaps, unlabelled);
  params.label_selector = "app.kubernetes.io/managed-by!=registry-operator";
  auto others = f.configMaps.list(params);
  REQUIRE(others);
  REQUIRE(others->items.size() == 2);
  CHECK(kube::name(others->items[0]) == "d");
  CHECK(kube::name(others->items[1]) == "e");
}

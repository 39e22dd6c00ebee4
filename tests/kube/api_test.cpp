#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "kube/api.h"
#include "support/scripted_transport.h"

namespace {
struct Fixture {
  std::shared_ptr<testing::ScriptedTransport> transport =
      std::make_shared<testing::ScriptedTransport>();
  kube::ClientPtr client;
  explicit Fixture(kube::ClusterConfig config = {}) {
    config.server = "https://api";
    client = std::make_shared<kube::Client>(config, transport);
  }
};
}  // namespace

TEST_CASE("get builds the object path and parses the answer") {
  Fixture f;
  f.transport->reply(200, R"({"metadata":{"name":"a b"}})");
  kube::Api api(f.client, kube::resources::configMaps(), "ns1");
  auto object = api.get("a b");
  REQUIRE(object);
  auto request = f.transport->requests().at(0);
  CHECK(request.method == "GET");
  CHECK(request.target == "/api/v1/namespaces/ns1/configmaps/a%20b");
  CHECK(request.headers.at("Accept") == "application/json");
}

TEST_CASE("list follows continue tokens and fills in apiVersion and kind") {
  Fixture f;
  f.transport->reply(
      200,
      R"({"metadata":{"continue":"t1","resourceVersion":"5"},"items":[{"metadata":{"name":"a"}}]})");
  f.transport->reply(200,
                     R"({"metadata":{"resourceVersion":"5"},"items":[{"metadata":{"name":"b"}}]})");
  kube::Api api(f.client, kube::resources::deployments(), "ns");
  kube::ListParams params;
  params.limit = 1;
  params.label_selector = "app=x,tier in (a)";
  auto list = api.listAll(params);
  REQUIRE(list);
  REQUIRE(list->items.size() == 2);
  CHECK(list->items[1]["kind"] == "Deployment");
  CHECK(list->items[1]["apiVersion"] == "apps/v1");
  CHECK(list->resource_version == "5");
  auto requests = f.transport->requests();
  CHECK(requests[0].target ==
        "/apis/apps/v1/namespaces/ns/"
        "deployments?labelSelector=app%3Dx%2Ctier%20in%20%28a%29&limit=1");
  CHECK(requests[1].target ==
        "/apis/apps/v1/namespaces/ns/"
        "deployments?labelSelector=app%3Dx%2Ctier%20in%20%28a%29&limit=1&continue=t1");
}

TEST_CASE("server-side apply uses the apply content type, field manager and force") {
  Fixture f;
  f.transport->reply(200, R"({"metadata":{"name":"cm"}})");
  kube::Api api(f.client, kube::resources::configMaps(), "ns");
  kube::Object desired = {
      {"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "cm"}}}};
  REQUIRE(api.apply(desired));
  auto request = f.transport->requests().at(0);
  CHECK(request.method == "PATCH");
  CHECK(request.target ==
        "/api/v1/namespaces/ns/configmaps/cm?fieldManager=registry-operator&force=true");
  CHECK(request.headers.at("Content-Type") == "application/apply-patch+yaml");
  CHECK(kube::Json::parse(request.body) == desired);
}

TEST_CASE("status apply targets the status subresource") {
  Fixture f;
  f.transport->reply(200, "{}");
  kube::Api api(
      f.client,
      kube::Resource{"imageregistry.io", "v1alpha1", "registryconfigs", "RegistryConfig", true},
      "ns");
  REQUIRE(api.applyStatus({{"metadata", {{"name", "r"}}}}));
  CHECK(f.transport->requests().at(0).target ==
        "/apis/imageregistry.io/v1alpha1/namespaces/ns/registryconfigs/r/"
        "status?fieldManager=registry-operator&force=true");
}

TEST_CASE("delete sends DeleteOptions with propagation and preconditions") {
  Fixture f;
  f.transport->reply(200, "{}");
  kube::Api api(f.client, kube::resources::secrets(), "ns");
  kube::DeleteParams params;
  params.propagation = kube::Propagation::Foreground;
  params.precondition_uid = "u1";
  REQUIRE(api.remove("s", params));
  auto body = kube::Json::parse(f.transport->requests().at(0).body);
  CHECK(body["propagationPolicy"] == "Foreground");
  CHECK(body["preconditions"]["uid"] == "u1");
}

TEST_CASE("API errors come back typed, non-JSON success bodies are Decode errors") {
  Fixture f;
  f.transport->reply(409, R"({"kind":"Status","reason":"Conflict","message":"stale"})");
  f.transport->reply(200, "<html>");
  kube::Api api(f.client, kube::resources::configMaps(), "ns");
  auto conflict = api.replace({{"metadata", {{"name", "cm"}}}});
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().kind() == kube::ErrorKind::Conflict);
  auto garbage = api.get("cm");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().kind() == kube::ErrorKind::Decode);
}

TEST_CASE("watch delivers events in order and turns ERROR events into errors") {
  Fixture f;
  f.transport->replyStream(
      {R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})",
       R"({"type":"MODIFIED","object":{"metadata":{"name":"a"}}})",
       R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}})"});
  kube::Api api(f.client, kube::resources::configMaps(), "ns");
  std::vector<std::string> seen;
  kube::WatchParams params;
  params.resource_version = "7";
  auto result = api.watch(
      params,
      [&](const kube::WatchEvent& e) {
        seen.emplace_back(kube::toString(e.type));
        return true;
      },
      kube::CancelToken());
  REQUIRE_FALSE(result);
  CHECK(result.error().kind() == kube::ErrorKind::Gone);
  CHECK(seen == std::vector<std::string>{"ADDED", "MODIFIED"});
  CHECK(f.transport->requests().at(0).target ==
        "/api/v1/namespaces/ns/"
        "configmaps?watch=true&resourceVersion=7&allowWatchBookmarks=true&timeoutSeconds=300");
}

TEST_CASE("a truncated watch line ends the watch with a Decode error") {
  Fixture f;
  f.transport->replyStream(
      {R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})", R"({"type":"ADD)"});
  kube::Api api(f.client, kube::resources::configMaps(), "ns");
  int count = 0;
  auto result = api.watch(
      {}, [&](const kube::WatchEvent&) { return ++count > 0; }, kube::CancelToken());
  REQUIRE_FALSE(result);
  CHECK(result.error().kind() == kube::ErrorKind::Decode);
  CHECK(count == 1);
}

TEST_CASE("a token file is re-read after a 401") {
  auto path = std::filesystem::temp_directory_path() / "api-test-token";
  std::ofstream(path) << "old\n";
  kube::ClusterConfig config;
  config.token_file = path.string();
  Fixture f(config);
  kube::Api api(f.client, kube::resources::configMaps(), "ns");
  f.transport->reply(200, "{}");
  REQUIRE(api.get("x"));
  std::ofstream(path) << "new\n";
  f.transport->reply(401, R"({"kind":"Status","reason":"Unauthorized"})");
  f.transport->reply(200, "{}");
  REQUIRE(api.get("x"));
  auto requests = f.transport->requests();
  CHECK(requests[0].headers.at("Authorization") == "Bearer old");
  CHECK(requests[1].headers.at("Authorization") == "Bearer old");
  CHECK(requests[2].headers.at("Authorization") == "Bearer new");
  std::filesystem::remove(path);
}

TEST_CASE("the request observer sees verb and status") {
  Fixture f;
  std::vector<std::pair<std::string, int>> seen;
  f.client->setObserver(
      [&](const std::string& verb, int status) { seen.emplace_back(verb, status); });
  f.transport->reply(404, "{}");
  kube::Api api(f.client, kube::resources::configMaps(), "ns");
  CHECK_FALSE(api.get("x"));
  CHECK_FALSE(api.get("y"));  // script exhausted: a transport failure
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == std::pair<std::string, int>{"GET", 404});
  CHECK(seen[1] == std::pair<std::string, int>{"GET", 0});
}

TEST_CASE("withCancel puts the token on every unary request, and a fired token sends nothing") {
  Fixture f;
  kube::CancelToken cancel;
  kube::Api plain(f.client, kube::resources::configMaps(), "ns");
  auto api = plain.withCancel(cancel);
  f.transport->reply(200, "{}");
  f.transport->reply(200, "{}");
  f.transport->reply(200, "{}");
  REQUIRE(api.get("a"));
  REQUIRE(api.remove("a"));
  REQUIRE(plain.get("a"));  // the original is unchanged
  auto requests = f.transport->requests();
  REQUIRE(requests.size() == 3);
  REQUIRE(requests[0].cancel);
  REQUIRE(requests[1].cancel);
  CHECK_FALSE(requests[2].cancel);
  cancel.cancel();
  CHECK(requests[0].cancel->cancelled());  // the same token, not a copy of its state

  auto after = api.apply({{"metadata", {{"name", "a"}}}});
  REQUIRE_FALSE(after);
  CHECK(after.error().kind() == kube::ErrorKind::Cancelled);
  CHECK(f.transport->requests().size() == 3);  // never sent
}

TEST_CASE("a metadata-only Api asks list and watch for PartialObjectMetadata, other verbs not") {
  Fixture f;
  f.transport->reply(200, R"({"metadata":{"resourceVersion":"7"},"items":[
      {"apiVersion":"meta.k8s.io/v1","kind":"PartialObjectMetadata","metadata":{"name":"s"}}]})");
  f.transport->replyStream({R"({"type":"ADDED","object":{"metadata":{"name":"t"}}})"});
  f.transport->reply(200, R"({"metadata":{"name":"s"},"data":{"k":"dg=="}})");
  kube::Api api = kube::Api(f.client, kube::resources::secrets(), "ns").metadataOnly();
  auto listed = api.list();
  REQUIRE(listed);
  REQUIRE(listed->items.size() == 1);
  CHECK(kube::name(listed->items[0]) == "s");
  std::vector<std::string> seen;
  REQUIRE(api.watch(
      {},
      [&](const kube::WatchEvent& event) {
        seen.push_back(kube::name(event.object));
        return true;
      },
      kube::CancelToken()));
  CHECK(seen == std::vector<std::string>{"t"});
  REQUIRE(api.get("s"));  // a GET reads the whole object
  const auto& requests = f.transport->requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].headers.at("Accept") ==
        "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json");
  CHECK(requests[1].headers.at("Accept") ==
        "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json");
  CHECK(requests[2].headers.at("Accept") == "application/json");
}

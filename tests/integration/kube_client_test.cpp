// The Kubernetes client against the real kube-apiserver of hack/controlplane.sh.
#include <catch2/catch.hpp>

#include <atomic>
#include <iostream>
#include <set>
#include <thread>

#include "kube/api.h"
#include "kube/discovery.h"
#include "kube/yaml_json.h"
#include "support/cluster.h"

using kube::ErrorKind;
using kube::Json;

namespace {
Json configMap(const std::string& name, Json data = Json::object()) {
  return {
      {"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", data}};
}
}  // namespace

TEST_CASE("the API server is the real, pinned kube-apiserver") {
  auto client = testing::clusterClient();
  auto version = kube::serverVersion(*client);
  REQUIRE(version);
  std::cout << "kube-apiserver version: " << *version << std::endl;
  const char* pinned = std::getenv("K8S_VERSION");
  REQUIRE(pinned != nullptr);
  CHECK(*version == pinned);
}

TEST_CASE("discovery tells served kinds from unknown groups") {
  auto client = testing::clusterClient();
  CHECK(kube::isServed(*client, "", "v1", "ConfigMap").value());
  CHECK(kube::isServed(*client, "apps", "v1", "Deployment").value());
  CHECK_FALSE(kube::isServed(*client, "apps", "v1", "Route").value());
  CHECK_FALSE(kube::isServed(*client, "route.openshift.io", "v1", "Route").value());
}

TEST_CASE("ConfigMap create, get, replace, merge patch, delete") {
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client);
  kube::Api api(client, kube::resources::configMaps(), ns.name());
  auto created = api.create(configMap("one", {{"a", "1"}}));
  REQUIRE(created);
  auto again = api.create(configMap("one"));
  REQUIRE_FALSE(again);
  CHECK(again.error().kind() == ErrorKind::AlreadyExists);

  auto fetched = api.get("one");
  REQUIRE(fetched);
  CHECK((*fetched)["data"]["a"] == "1");
  (*fetched)["data"]["a"] = "2";
  auto replaced = api.replace(*fetched);
  REQUIRE(replaced);
  CHECK((*replaced)["data"]["a"] == "2");

  auto patched = api.mergePatch("one", {{"data", {{"b", "3"}}}});
  REQUIRE(patched);
  CHECK((*patched)["data"] == Json{{"a", "2"}, {"b", "3"}});

  REQUIRE(api.remove("one"));
  auto gone = api.get("one");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().kind() == ErrorKind::NotFound);
  auto missing = api.remove("one");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind() == ErrorKind::NotFound);
}

TEST_CASE("a write with a stale resourceVersion is a 409 Conflict") {
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client);
  kube::Api api(client, kube::resources::configMaps(), ns.name());
  auto created = api.create(configMap("stale"));
  REQUIRE(created);
  Json first = *created;
  first["data"]["x"] = "1";
  REQUIRE(api.replace(first));
  Json second = *created;  // still carries the original resourceVersion
  second["data"]["x"] = "2";
  auto conflict = api.replace(second);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().kind() == ErrorKind::Conflict);
  CHECK(conflict.error().httpCode() == 409);
  CHECK(conflict.error().reason() == "Conflict");
}

TEST_CASE("server-side apply adds, then removes, a field it owns and leaves others' fields") {
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client);
  kube::Api api(client, kube::resources::configMaps(), ns.name());
  REQUIRE(api.apply(configMap("ssa", {{"mine", "1"}, {"also-mine", "2"}})));
  REQUIRE(api.mergePatch("ssa", {{"data", {{"theirs", "3"}}}}));  // another manager (update)
  auto applied = api.apply(configMap("ssa", {{"mine", "1"}}));
  REQUIRE(applied);
  CHECK((*applied)["data"] == Json{{"mine", "1"}, {"theirs", "3"}});
  bool has_manager = false;
  for (const auto& entry : (*applied)["metadata"]["managedFields"]) {
    if (entry["manager"] == "registry-operator" && entry["operation"] == "Apply")
      has_manager = true;
  }
  CHECK(has_manager);
}

TEST_CASE("a custom resource: CRD, create, status subresource, delete") {
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client);
  kube::Api crds(client, kube::resources::customResourceDefinitions());
  auto crd_doc = kube::yamlToJson(R"(
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.test.imageregistry.io}
spec:
  group: test.imageregistry.io
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
          status: {type: object, properties: {ready: {type: boolean}}}
)");
  REQUIRE(crd_doc);
  const Json& crd = *crd_doc;
  REQUIRE(crds.apply(crd));
  REQUIRE(testing::eventually([&] {
    auto current = crds.get("widgets.test.imageregistry.io");
    if (!current) return false;
    for (const auto& c : kube::at(*current, "/status/conditions", Json::array())) {
      if (c["type"] == "Established" && c["status"] == "True") return true;
    }
    return false;
  }));
  kube::Resource widgets{"test.imageregistry.io", "v1", "widgets", "Widget", true};
  kube::Api api(client, widgets, ns.name());
  Json widget = {{"apiVersion", "test.imageregistry.io/v1"},
                 {"kind", "Widget"},
                 {"metadata", {{"name", "w"}}},
                 {"spec", {{"size", 3}}}};
  // The new kind may take a moment to be served after Established.
  REQUIRE(testing::eventually([&] { return api.create(widget).ok() || api.get("w").ok(); }));
  auto status = api.applyStatus({{"apiVersion", "test.imageregistry.io/v1"},
                                 {"kind", "Widget"},
                                 {"metadata", {{"name", "w"}}},
                                 {"status", {{"ready", true}}}});
  REQUIRE(status);
  auto fetched = api.get("w");
  REQUIRE(fetched);
  CHECK((*fetched)["status"]["ready"] == true);
  CHECK((*fetched)["spec"]["size"] == 3);
  auto invalid = api.create({{"apiVersion", "test.imageregistry.io/v1"},
                             {"kind", "Widget"},
                             {"metadata", {{"name", "bad"}}},
                             {"spec", {{"size", "three"}}}});
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().kind() == ErrorKind::Invalid);
  REQUIRE(api.remove("w"));
  REQUIRE(crds.remove("widgets.test.imageregistry.io"));
}

TEST_CASE("a watch sees ADDED, MODIFIED, DELETED in order, as they happen") {
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client);
  kube::Api api(client, kube::resources::configMaps(), ns.name());
  auto list = api.list();
  REQUIRE(list);
  kube::CancelToken cancel;
  std::mutex mutex;
  std::vector<std::string> seen;
  std::thread watcher([&] {
    kube::WatchParams params;
    params.resource_version = list->resource_version;
    params.field_selector = "metadata.name=watched";
    (void)api.watch(
        params,
        [&](const kube::WatchEvent& event) {
          if (event.type == kube::WatchEventType::Bookmark) return true;
          std::lock_guard lock(mutex);
          seen.push_back(std::string(kube::toString(event.type)));
          return true;
        },
        cancel);
  });
  auto count = [&] {
    std::lock_guard lock(mutex);
    return seen.size();
  };
  REQUIRE(api.create(configMap("watched")));
  // Each event must arrive while the watch is still open, not at the end of the response.
  CHECK(testing::eventually([&] { return count() == 1; }, std::chrono::seconds(20)));
  REQUIRE(api.mergePatch("watched", {{"data", {{"k", "v"}}}}));
  CHECK(testing::eventually([&] { return count() == 2; }, std::chrono::seconds(20)));
  REQUIRE(api.remove("watched"));
  CHECK(testing::eventually([&] { return count() == 3; }, std::chrono::seconds(20)));
  cancel.cancel();
  watcher.join();
  std::lock_guard lock(mutex);
  CHECK(seen == std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"});
}

TEST_CASE("a watch resumed from a too-old resourceVersion gets 410 Gone") {
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client);
  kube::Api api(client, kube::resources::configMaps(), ns.name());
  auto created = api.create(configMap("old"));
  REQUIRE(created);
  kube::WatchParams params;
  params.resource_version = kube::resourceVersion(*created);
  params.timeout_seconds = 1;
  // The test control plane compacts etcd every 10 s (hack/controlplane.sh); once this revision
  // is compacted away, resuming from it must be refused with 410 rather than silently skipped.
  std::optional<kube::Error> error;
  bool gone = testing::eventually(
      [&] {
        REQUIRE(api.mergePatch("old", {{"data", {{"tick", testing::randomSuffix()}}}}));
        auto result = api.watch(
            params, [](const kube::WatchEvent&) { return true; }, kube::CancelToken());
        if (!result) error = result.error();
        return !result.ok();
      },
      std::chrono::seconds(120));
  REQUIRE(gone);
  CHECK(error->kind() == ErrorKind::Gone);
  CHECK(error->httpCode() == 410);
}

TEST_CASE("listing 1,200 objects with limit=500 takes three pages") {
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client);
  kube::Api api(client, kube::resources::configMaps(), ns.name());
  for (int i = 0; i < 1200; ++i) {
    Json cm = configMap("page-" + std::to_string(i));
    cm["metadata"]["labels"]["set"] = "paging";
    REQUIRE(api.create(cm));
  }
  kube::ListParams params;
  params.limit = 500;
  params.label_selector = "set=paging";
  std::vector<std::size_t> page_sizes;
  std::set<std::string> names;
  do {
    auto page = api.list(params);
    REQUIRE(page);
    page_sizes.push_back(page->items.size());
    for (const auto& item : page->items) names.insert(kube::name(item));
    params.continue_token = page->continue_token;
  } while (!params.continue_token.empty());
  CHECK(page_sizes == std::vector<std::size_t>{500, 500, 200});
  CHECK(names.size() == 1200);
  params.continue_token.clear();
  auto all = api.listAll(params);
  REQUIRE(all);
  CHECK(all->items.size() == 1200);
}

TEST_CASE("TLS: a server certificate from an unknown CA is refused with a clear error") {
  auto config = kube::loadDefaultConfig();
  REQUIRE(config);
  config->ca_pem.clear();  // the system trust store does not know the test CA
  auto client = kube::Client::create(*config);
  REQUIRE(client);
  auto version = kube::serverVersion(**client);
  REQUIRE_FALSE(version);
  CHECK(version.error().kind() == ErrorKind::Transport);
  CHECK_THAT(version.error().message(), Catch::Contains("cannot talk to " + config->server));
}

TEST_CASE("a wrong bearer token is Unauthorized and never echoed") {
  auto config = kube::loadDefaultConfig();
  REQUIRE(config);
  config->client_cert_pem.clear();
  config->client_key_pem.clear();
  config->bearer_token = "not-a-valid-token";
  auto client = kube::Client::create(*config);
  REQUIRE(client);
  kube::Api api(*client, kube::resources::namespaces());
  auto result = api.get("default");
  REQUIRE_FALSE(result);
  CHECK(result.error().kind() == ErrorKind::Unauthorized);
  CHECK(result.error().message().find("not-a-valid-token") == std::string::npos);
}

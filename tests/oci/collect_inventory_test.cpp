#include <catch2/catch.hpp>

#include "oci/collect_inventory.h"
#include "oci/media_types.h"
#include "runtime/sha256.h"
#include "runtime/time_format.h"
#include "support/scripted_transport.h"

namespace {

std::string digestOf(const std::string& body) { return "sha256:" + runtime::sha256Hex(body); }

struct Fixture {
  std::shared_ptr<testing::ScriptedTransport> transport =
      std::make_shared<testing::ScriptedTransport>();
  std::unique_ptr<oci::RegistryClient> client;
  std::vector<std::string> progress;

  Fixture() {
    auto made = oci::RegistryClient::create("http://reg:5000", {}, [this](const std::string&) {
      return kube::Result<kube::HttpTransportPtr>(kube::HttpTransportPtr(transport));
    });
    REQUIRE(made);
    client = std::move(*made);
  }
  kube::Result<oci::Inventory> collect() {
    return oci::collectInventory(*client,
                                 [this](const std::string& line) { progress.push_back(line); });
  }
};

std::string config(const std::string& created) {
  return R"({"architecture":"amd64","os":"linux","created":")" + created + "\"}";
}

std::string imageManifest(const std::string& config_body, std::int64_t layer_size) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
         R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
         digestOf(config_body) + R"(","size":)" + std::to_string(config_body.size()) +
         R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:)" +
         std::string(64, 'f') + R"(","size":)" + std::to_string(layer_size) + "}]}";
}

std::map<std::string, std::string> manifestHeaders(const std::string& body,
                                                   std::string_view media_type) {
  return {{"docker-content-digest", digestOf(body)}, {"content-type", std::string(media_type)}};
}

}  // namespace

TEST_CASE("the inventory walks catalog, tags, manifests, configs and index children") {
  Fixture f;
  const std::string config_amd = config("2026-01-01T00:00:00Z");
  const std::string config_arm = config("2026-02-01T00:00:00Z");
  const std::string amd = imageManifest(config_amd, 1000);
  const std::string arm = imageManifest(config_arm, 2000);
  const std::string index =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":")" +
      digestOf(amd) + R"(","size":1},{"digest":")" + digestOf(arm) + R"(","size":1}]})";
  auto& t = *f.transport;
  t.reply(200, R"({"repositories":["multi","bad..name"]})");
  t.reply(200, R"({"name":"multi","tags":["v1","also-v1","-bad"]})");
  t.reply(200, "", manifestHeaders(index, oci::kOciIndex));  // HEAD v1
  t.reply(200, index, manifestHeaders(index, oci::kOciIndex));
  t.reply(200, amd, manifestHeaders(amd, oci::kOciManifest));
  t.reply(200, config_amd);
  t.reply(200, arm, manifestHeaders(arm, oci::kOciManifest));
  t.reply(200, config_arm);
  t.reply(200, "", manifestHeaders(index, oci::kOciIndex));  // HEAD also-v1: same digest

  auto inventory = f.collect();
  REQUIRE(inventory);
  REQUIRE(inventory->size() == 1);
  const oci::RepositoryInventory& repository = (*inventory)[0];
  CHECK(repository.name == "multi");
  CHECK(repository.tags ==
        std::map<std::string, std::string>{{"also-v1", digestOf(index)}, {"v1", digestOf(index)}});
  REQUIRE(repository.manifests.size() == 3);
  const oci::ManifestInfo& index_info = repository.manifests.at(digestOf(index));
  CHECK(index_info.children == std::vector<std::string>{digestOf(amd), digestOf(arm)});
  CHECK(runtime::formatTime(*index_info.created) == "2026-02-01T00:00:00Z");  // the newest child
  const oci::ManifestInfo& amd_info = repository.manifests.at(digestOf(amd));
  CHECK(amd_info.size == static_cast<std::int64_t>(amd.size()));
  REQUIRE(amd_info.blobs.size() == 2);
  CHECK(amd_info.blobs[1].size == 1000);

  std::vector<std::string> targets;
  for (const auto& request : t.requests()) targets.push_back(request.method + " " + request.target);
  CHECK(targets == std::vector<std::string>{
                       "GET /v2/_catalog?n=100",
                       "GET /v2/multi/tags/list",
                       "HEAD /v2/multi/manifests/v1",
                       "GET /v2/multi/manifests/" + digestOf(index),
                       "GET /v2/multi/manifests/" + digestOf(amd),
                       "GET /v2/multi/blobs/" + digestOf(config_amd),
                       "GET /v2/multi/manifests/" + digestOf(arm),
                       "GET /v2/multi/blobs/" + digestOf(config_arm),
                       "HEAD /v2/multi/manifests/also-v1",
                   });
  CHECK(f.progress ==
        std::vector<std::string>{"multi: skipping tag \"-bad\": not a valid tag",
                                 "multi: 2 tags, 3 manifests",
                                 "skipping repository \"bad..name\": not a valid repository name"});
}

TEST_CASE("what cannot be read is noted and kept, what cannot be reached ends the walk") {
  Fixture f;
  const std::string bad_config = R"({"created":"last week"})";
  const std::string manifest = imageManifest(bad_config, 10);
  auto& t = *f.transport;
  t.reply(200, R"({"repositories":["a"]})");
  t.reply(200, R"({"tags":["1","2"]})");
  t.reply(200, "", manifestHeaders(manifest, oci::kOciManifest));
  t.reply(200, manifest, manifestHeaders(manifest, oci::kOciManifest));
  t.reply(200, bad_config);
  t.reply(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})");  // HEAD 2: deleted meanwhile
  auto inventory = f.collect();
  REQUIRE(inventory);
  const auto& info = (*inventory)[0].manifests.at(digestOf(manifest));
  CHECK_FALSE(info.created.has_value());
  CHECK(info.note == "config: created: is not an RFC 3339 time between 1678 and 2261");
  CHECK((*inventory)[0].tags.size() == 1);

  Fixture down;
  down.transport->reply(200, R"({"repositories":["a"]})");
  down.transport->reply(503, "upstream down");
  auto failed = down.collect();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().is(kube::ErrorKind::Server));
  CHECK(failed.error().message() ==
        "listing the tags of a: GET /v2/a/tags/list: 503: upstream down");
}

#include <catch2/catch.hpp>

#include <map>
#include <memory>

#include "oci/media_types.h"
#include "oci/mirror_image.h"
#include "runtime/sha256.h"
#include "support/scripted_transport.h"

namespace {

std::string digestOf(const std::string& body) { return "sha256:" + runtime::sha256Hex(body); }

// A registry client over one scripted transport per origin.
struct ScriptedRegistry {
  std::string origin;
  std::map<std::string, std::shared_ptr<testing::ScriptedTransport>> transports;
  std::unique_ptr<oci::RegistryClient> client;

  explicit ScriptedRegistry(std::string url) : origin(url) {
    auto made = oci::RegistryClient::create(url, {}, [this](const std::string& at) {
      auto& transport = transports[at];
      if (!transport) transport = std::make_shared<testing::ScriptedTransport>();
      return kube::Result<kube::HttpTransportPtr>(kube::HttpTransportPtr(transport));
    });
    REQUIRE(made);
    client = std::move(*made);
  }
  testing::ScriptedTransport& api() {
    auto& transport = transports[origin];
    if (!transport) transport = std::make_shared<testing::ScriptedTransport>();
    return *transport;
  }
  // "METHOD target" of every request, in order.
  std::vector<std::string> sent() {
    std::vector<std::string> lines;
    for (const auto& request : api().requests())
      lines.push_back(request.method + " " + request.target);
    return lines;
  }
};

std::map<std::string, std::string> manifestHeaders(const std::string& digest,
                                                   std::string_view media_type) {
  return {{"docker-content-digest", digest}, {"content-type", std::string(media_type)}};
}

const std::string kUnknown = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]})";

std::string descriptor(std::string_view media_type, const std::string& body) {
  return R"({"mediaType":")" + std::string(media_type) + R"(","digest":")" + digestOf(body) +
         R"(","size":)" + std::to_string(body.size()) + "}";
}

std::string imageManifest(const std::string& config, const std::vector<std::string>& layers) {
  std::string text =
      R"({"schemaVersion":2,"mediaType":")" + std::string(oci::kOciManifest) + R"(","config":)" +
      descriptor("application/vnd.oci.image.config.v1+json", config) + R"(,"layers":[)";
  for (std::size_t i = 0; i < layers.size(); ++i) {
    text += (i ? "," : "") + descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layers[i]);
  }
  return text + "]}";
}

std::string index(const std::vector<std::string>& children) {
  std::string text =
      R"({"schemaVersion":2,"mediaType":")" + std::string(oci::kOciIndex) + R"(","manifests":[)";
  for (std::size_t i = 0; i < children.size(); ++i) {
    text += (i ? "," : "") + descriptor(oci::kOciManifest, children[i]);
  }
  return text + "]}";
}

struct Mirror {
  ScriptedRegistry source{"https://src:5000"};
  ScriptedRegistry target{"https://reg:5000"};
  std::vector<std::string> progress;
  oci::MirrorRoute route{
      source.client.get(), "upstream/app", target.client.get(), "mirror/app", {}};

  kube::Result<oci::MirroredTag> run(const std::string& tag) {
    return oci::mirrorTag(route, tag,
                          [this](const std::string& line) { progress.push_back(line); });
  }
};

}  // namespace

TEST_CASE("mirror: a new tag gets the blobs the target lacks, then the manifest's exact bytes") {
  Mirror m;
  const std::string config = R"({"architecture":"amd64","os":"linux"})";
  const std::string layer = "layer one";
  // Pretty-printed as a registry may hold it: the bytes, not a re-serialization, are copied.
  const std::string manifest = imageManifest(config, {layer}) + "\n";
  const std::string digest = digestOf(manifest);

  m.source.api().reply(200, "", manifestHeaders(digest, oci::kOciManifest));
  m.source.api().reply(200, manifest, manifestHeaders(digest, oci::kOciManifest));
  m.source.api().reply(200, config);
  m.target.api().reply(404, kUnknown);  // the tag
  m.target.api().reply(404, kUnknown);  // the manifest by digest
  m.target.api().reply(404, "");        // the config blob
  m.target.api().reply(202, "", {{"location", "/v2/mirror/app/blobs/uploads/u1?_state=x"}});
  m.target.api().reply(201, "", {{"docker-content-digest", digestOf(config)}});
  m.target.api().reply(200, "");  // the layer is there already
  m.target.api().reply(201, "", {{"docker-content-digest", digest}});

  auto result = m.run("v1");
  REQUIRE(result);
  CHECK(result->tag == "v1");
  CHECK(result->digest == digest);
  CHECK(result->imported);
  CHECK(result->blobs_copied == 1);
  CHECK(result->blobs_mounted == 0);
  CHECK(result->bytes_copied == static_cast<std::int64_t>(config.size()));

  CHECK(m.source.sent() == std::vector<std::string>{
                               "HEAD /v2/upstream/app/manifests/v1",
                               "GET /v2/upstream/app/manifests/" + digest,
                               "GET /v2/upstream/app/blobs/" + digestOf(config),
                           });
  CHECK(m.target.sent() == std::vector<std::string>{
                               "HEAD /v2/mirror/app/manifests/v1",
                               "HEAD /v2/mirror/app/manifests/" + digest,
                               "HEAD /v2/mirror/app/blobs/" + digestOf(config),
                               "POST /v2/mirror/app/blobs/uploads/",
                               "PUT /v2/mirror/app/blobs/uploads/u1?_state=x&digest=sha256%3A" +
                                   digestOf(config).substr(7),
                               "HEAD /v2/mirror/app/blobs/" + digestOf(layer),
                               "PUT /v2/mirror/app/manifests/v1",
                           });
  auto requests = m.target.api().requests();
  CHECK(requests[4].body == config);
  CHECK(requests[6].body == manifest);
  CHECK(requests[6].headers.at("Content-Type") == oci::kOciManifest);
  REQUIRE_FALSE(m.progress.empty());
  CHECK(m.progress.back() == "v1: imported " + digest + " (new tag)");
}

TEST_CASE("mirror: a tag whose digest the target's tag has already copies nothing") {
  Mirror m;
  const std::string digest = digestOf("manifest");
  m.source.api().reply(200, "", manifestHeaders(digest, oci::kDockerManifest));
  m.target.api().reply(200, "", manifestHeaders(digest, oci::kDockerManifest));
  auto result = m.run("latest");
  REQUIRE(result);
  CHECK_FALSE(result->imported);
  CHECK(result->digest == digest);
  CHECK(result->blobs_copied == 0);
  CHECK(m.source.sent() == std::vector<std::string>{"HEAD /v2/upstream/app/manifests/latest"});
  CHECK(m.target.sent() == std::vector<std::string>{"HEAD /v2/mirror/app/manifests/latest"});
}

TEST_CASE("mirror: an index copies its missing children first, mounting what it can") {
  Mirror m;
  m.route.mount_from = {"mirror/app", "base"};  // its own repository is never a mount source
  const std::string child_a = imageManifest(R"({"a":1})", {"layer a"});
  const std::string config_b = R"({"b":2})";
  const std::string shared = "shared layer";
  const std::string child_b = imageManifest(config_b, {shared});
  const std::string top = index({child_a, child_b});
  const std::string old_digest = digestOf("old");

  m.source.api().reply(200, "", manifestHeaders(digestOf(top), oci::kOciIndex));
  m.source.api().reply(200, top, manifestHeaders(digestOf(top), oci::kOciIndex));
  m.source.api().reply(200, child_b, manifestHeaders(digestOf(child_b), oci::kOciManifest));
  m.source.api().reply(200, config_b);

  m.target.api().reply(200, "", manifestHeaders(old_digest, oci::kOciIndex));  // the tag moved
  m.target.api().reply(404, kUnknown);  // the index by digest
  m.target.api().reply(200, "", manifestHeaders(digestOf(child_a), oci::kOciManifest));
  m.target.api().reply(404, kUnknown);  // child b
  m.target.api().reply(404, "");        // child b's config
  m.target.api().reply(202, "", {{"location", "/v2/mirror/app/blobs/uploads/m1"}});
  m.target.api().reply(204, "");  // the started upload, cancelled
  m.target.api().reply(202, "", {{"location", "/v2/mirror/app/blobs/uploads/u1"}});
  m.target.api().reply(201, "");
  m.target.api().reply(404, "");  // the shared layer
  m.target.api().reply(201, "");  // mounted from base
  m.target.api().reply(201, "", {{"docker-content-digest", digestOf(child_b)}});
  m.target.api().reply(201, "", {{"docker-content-digest", digestOf(top)}});

  auto result = m.run("v2");
  REQUIRE(result);
  CHECK(result->imported);
  CHECK(result->digest == digestOf(top));
  CHECK(result->blobs_copied == 1);
  CHECK(result->blobs_mounted == 1);
  CHECK(result->bytes_copied == static_cast<std::int64_t>(config_b.size()));

  const auto encoded = [](const std::string& body) {
    return "sha256%3A" + digestOf(body).substr(7);
  };
  CHECK(m.source.sent() == std::vector<std::string>{
                               "HEAD /v2/upstream/app/manifests/v2",
                               "GET /v2/upstream/app/manifests/" + digestOf(top),
                               "GET /v2/upstream/app/manifests/" + digestOf(child_b),
                               "GET /v2/upstream/app/blobs/" + digestOf(config_b),
                           });
  CHECK(m.target.sent() ==
        std::vector<std::string>{
            "HEAD /v2/mirror/app/manifests/v2",
            "HEAD /v2/mirror/app/manifests/" + digestOf(top),
            "HEAD /v2/mirror/app/manifests/" + digestOf(child_a),
            "HEAD /v2/mirror/app/manifests/" + digestOf(child_b),
            "HEAD /v2/mirror/app/blobs/" + digestOf(config_b),
            "POST /v2/mirror/app/blobs/uploads/?mount=" + encoded(config_b) + "&from=base",
            "DELETE /v2/mirror/app/blobs/uploads/m1",
            "POST /v2/mirror/app/blobs/uploads/",
            "PUT /v2/mirror/app/blobs/uploads/u1?digest=" + encoded(config_b),
            "HEAD /v2/mirror/app/blobs/" + digestOf(shared),
            "POST /v2/mirror/app/blobs/uploads/?mount=" + encoded(shared) + "&from=base",
            "PUT /v2/mirror/app/manifests/" + digestOf(child_b),
            "PUT /v2/mirror/app/manifests/v2",
        });
  auto requests = m.target.api().requests();
  CHECK(requests[11].body == child_b);
  CHECK(requests[11].headers.at("Content-Type") == oci::kOciManifest);
  CHECK(requests[12].body == top);
  CHECK(requests[12].headers.at("Content-Type") == oci::kOciIndex);
}

TEST_CASE("mirror: a manifest the target repository holds by digest is only tagged") {
  Mirror m;
  const std::string manifest = imageManifest("{}", {"l"});
  const std::string digest = digestOf(manifest);
  m.source.api().reply(200, "", manifestHeaders(digest, oci::kOciManifest));
  m.source.api().reply(200, manifest, manifestHeaders(digest, oci::kOciManifest));
  m.target.api().reply(404, kUnknown);
  m.target.api().reply(200, "", manifestHeaders(digest, oci::kOciManifest));
  m.target.api().reply(201, "", {{"docker-content-digest", digest}});
  auto result = m.run("alias");
  REQUIRE(result);
  CHECK(result->imported);
  CHECK(result->blobs_copied == 0);
  CHECK(m.target.sent() == std::vector<std::string>{
                               "HEAD /v2/mirror/app/manifests/alias",
                               "HEAD /v2/mirror/app/manifests/" + digest,
                               "PUT /v2/mirror/app/manifests/alias",
                           });
}

TEST_CASE("mirror: a blob that does not match its digest is not uploaded") {
  Mirror m;
  const std::string config = R"({"os":"linux"})";
  const std::string manifest = imageManifest(config, {});
  const std::string digest = digestOf(manifest);
  m.source.api().reply(200, "", manifestHeaders(digest, oci::kOciManifest));
  m.source.api().reply(200, manifest, manifestHeaders(digest, oci::kOciManifest));
  m.source.api().reply(200, R"({"os":"tampered"})");
  m.target.api().reply(404, kUnknown);
  m.target.api().reply(404, kUnknown);
  m.target.api().reply(404, "");
  auto result = m.run("v1");
  REQUIRE_FALSE(result);
  CHECK(result.error().is(kube::ErrorKind::Decode));
  CHECK(result.error().message() == "source https://src:5000: GET /v2/upstream/app/blobs/" +
                                        digestOf(config) +
                                        ": the content does not match its digest");
  CHECK(m.target.sent().size() == 3);  // no upload began
}

TEST_CASE("mirror: errors say which registry failed and keep their kind") {
  Mirror missing;
  missing.source.api().reply(404, kUnknown);
  auto unknown = missing.run("nope");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().is(kube::ErrorKind::NotFound));
  CHECK(unknown.error().message() ==
        "source https://src:5000: HEAD /v2/upstream/app/manifests/nope: 404 MANIFEST_UNKNOWN: "
        "unknown (no such tag or repository)");
  CHECK(missing.target.sent().empty());

  Mirror down;  // the target's transport has no answers: it cannot be reached
  down.source.api().reply(200, "", manifestHeaders(digestOf("m"), oci::kOciManifest));
  auto unreachable = down.run("v1");
  REQUIRE_FALSE(unreachable);
  CHECK(unreachable.error().is(kube::ErrorKind::Transport));
  CHECK(unreachable.error().message().rfind("target https://reg:5000: ", 0) == 0);

  Mirror unsupported;
  const std::string schema1 = R"({"schemaVersion":1,"name":"x"})";
  unsupported.source.api().reply(200, "", manifestHeaders(digestOf(schema1), "application/json"));
  unsupported.source.api().reply(200, schema1,
                                 manifestHeaders(digestOf(schema1), "application/json"));
  unsupported.target.api().reply(404, kUnknown);
  auto refused = unsupported.run("old");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message() == "source https://src:5000: the manifest upstream/app@" +
                                         digestOf(schema1) + ": schemaVersion: must be 2");
}

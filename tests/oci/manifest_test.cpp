#include <catch2/catch.hpp>

#include <string>

#include "oci/image_config.h"
#include "oci/listings.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "runtime/time_format.h"

namespace {

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');
const std::string kDigestC = "sha256:" + std::string(64, 'c');

std::string imageManifest(const std::string& media_type_member) {
  return R"({"schemaVersion":2,)" + media_type_member + R"("config":{"mediaType":"x","digest":")" +
         kDigestA + R"(","size":12},"layers":[{"digest":")" + kDigestB + R"(","size":345}]})";
}

}  // namespace

TEST_CASE("a Docker schema 2 manifest gives its config and layers") {
  auto manifest = oci::parseManifest(
      imageManifest(R"("mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"),
      "application/vnd.docker.distribution.manifest.v2+json");
  REQUIRE(manifest);
  CHECK(manifest->media_type == oci::kDockerManifest);
  CHECK_FALSE(manifest->isIndex());
  CHECK(manifest->config.digest == kDigestA);
  CHECK(manifest->config.size == 12);
  REQUIRE(manifest->layers.size() == 1);
  CHECK(manifest->layers[0].digest == kDigestB);
  CHECK(manifest->layers[0].size == 345);
}

TEST_CASE("an OCI manifest without mediaType takes the Content-Type") {
  auto manifest = oci::parseManifest(imageManifest(""),
                                     "application/vnd.oci.image.manifest.v1+json; charset=utf-8");
  REQUIRE(manifest);
  CHECK(manifest->media_type == oci::kOciManifest);
  CHECK(manifest->layers.size() == 1);
}

TEST_CASE("an OCI index and a Docker manifest list give children and platforms") {
  const std::string entries = R"("manifests":[
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                              kDigestA + R"(","size":500,
     "platform":{"architecture":"amd64","os":"linux"}},
    {"digest":")" + kDigestB + R"(","size":501,
     "platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
    {"digest":")" + kDigestC + R"(","size":7}]})";
  auto index = oci::parseManifest(R"({"schemaVersion":2,)" + entries,
                                  "application/vnd.oci.image.index.v1+json");
  REQUIRE(index);
  CHECK(index->isIndex());
  REQUIRE(index->manifests.size() == 3);
  CHECK(index->manifests[0].descriptor.digest == kDigestA);
  CHECK(index->manifests[0].platform->architecture == "amd64");
  CHECK(index->manifests[1].platform->variant == "v8");
  CHECK_FALSE(index->manifests[2].platform.has_value());

  auto list = oci::parseManifest(
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",)" +
          entries,
      "application/json");
  REQUIRE(list);
  CHECK(list->media_type == oci::kDockerManifestList);
  CHECK(list->manifests.size() == 3);
}

TEST_CASE("malformed manifests are errors naming the field") {
  struct Case {
    std::string body;
    std::string message;
  };
  const std::string oci_type = R"("mediaType":"application/vnd.oci.image.manifest.v1+json",)";
  const Case cases[] = {
      {"", "manifest: not valid JSON"},
      {"{\"schemaVersion\":2", "manifest: not valid JSON"},
      {"[1,2]", "manifest: not a JSON object"},
      {"\"\xff\"", "manifest: not valid JSON"},
      {R"({"mediaType":"application/vnd.oci.image.manifest.v1+json"})", "schemaVersion: must be 2"},
      {R"({"schemaVersion":"2"})", "schemaVersion: must be a non-negative integer"},
      {R"({"schemaVersion":1})", "schemaVersion: must be 2"},
      {R"({"schemaVersion":2,"mediaType":7})", "mediaType: must be a string"},
      {R"({"schemaVersion":2,)" + oci_type + "\"layers\":[]}", "config: is required"},
      {R"({"schemaVersion":2,)" + oci_type + R"("config":"x"})", "config: must be an object"},
      {R"({"schemaVersion":2,)" + oci_type + R"("config":{"size":1}})",
       "config.digest: is required"},
      {R"({"schemaVersion":2,)" + oci_type + R"("config":{"digest":"sha256:12","size":1}})",
       "config.digest: is not a digest"},
      {R"({"schemaVersion":2,)" + oci_type + R"("config":{"digest":")" + kDigestA + R"("}})",
       "config.size: is required"},
      {R"({"schemaVersion":2,)" + oci_type + R"("config":{"digest":")" + kDigestA +
           R"(","size":-1}})",
       "config.size: must not be negative"},
      {R"({"schemaVersion":2,)" + oci_type + R"("config":{"digest":")" + kDigestA +
           R"(","size":1.5}})",
       "config.size: must be a non-negative integer"},
      {R"({"schemaVersion":2,)" + oci_type + R"("config":{"digest":")" + kDigestA +
           R"(","size":1},"layers":{}})",
       "layers: must be an array"},
      {R"({"schemaVersion":2,)" + oci_type + R"("config":{"digest":")" + kDigestA +
           R"(","size":1},"layers":[{"digest":")" + kDigestA + R"(","size":1},5]})",
       "layers[1]: must be an object"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"})",
       "manifests: is required"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
       R"("manifests":[{"digest":")" +
           kDigestA + R"(","size":1,"platform":{"os":1}}]})",
       "manifests[0].platform.os: must be a string"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    auto manifest = oci::parseManifest(c.body, "");
    REQUIRE_FALSE(manifest);
    CHECK(manifest.error().is(kube::ErrorKind::Decode));
    CHECK(manifest.error().message() == c.message);
  }
}

TEST_CASE("a manifest of another media type is an UnsupportedMediaType error") {
  auto schema1 = oci::parseManifest(R"({"schemaVersion":2,"mediaType":"text/plain"})", "");
  REQUIRE_FALSE(schema1);
  CHECK(schema1.error().reason() == "UnsupportedMediaType");
  CHECK(schema1.error().message() == "manifest: unsupported media type \"text/plain\"");
  auto untyped = oci::parseManifest(R"({"schemaVersion":2})", "");
  REQUIRE_FALSE(untyped);
  CHECK(untyped.error().reason() == "UnsupportedMediaType");
}

TEST_CASE("digests are checked for their shape") {
  CHECK(oci::isValidDigest(kDigestA));
  CHECK(oci::isValidDigest("sha512:" + std::string(128, '0')));
  CHECK_FALSE(oci::isValidDigest("sha256:" + std::string(64, 'A')));
  CHECK_FALSE(oci::isValidDigest("sha256:" + std::string(63, 'a')));
  CHECK_FALSE(oci::isValidDigest("sha256"));
  CHECK_FALSE(oci::isValidDigest(":abc"));
  CHECK_FALSE(oci::isValidDigest("sha256:"));
  CHECK_FALSE(oci::isValidDigest("x:../../etc"));
}

TEST_CASE("the config's created time is RFC 3339 or absent") {
  auto created = oci::parseImageCreated(R"({"created":"2026-01-02T03:04:05.123456789Z"})");
  REQUIRE(created);
  REQUIRE(created->has_value());
  CHECK(runtime::formatTime(**created) == "2026-01-02T03:04:05Z");
  auto offset = oci::parseImageCreated(R"({"created":"2026-01-02T05:04:05+02:00"})");
  REQUIRE(offset);
  CHECK(runtime::formatTime(**offset) == "2026-01-02T03:04:05Z");

  auto absent = oci::parseImageCreated(R"({"architecture":"amd64"})");
  REQUIRE(absent);
  CHECK_FALSE(absent->has_value());
  auto null = oci::parseImageCreated(R"({"created":null})");
  REQUIRE(null);
  CHECK_FALSE(null->has_value());

  auto number = oci::parseImageCreated(R"({"created":5})");
  REQUIRE_FALSE(number);
  CHECK(number.error().message() == "created: must be a string");
  auto garbage = oci::parseImageCreated(R"({"created":"yesterday"})");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().message() == "created: is not an RFC 3339 time between 1678 and 2261");
  CHECK_FALSE(oci::parseImageCreated("not json"));
}

TEST_CASE("Go's zero time in a config is an error, not an overflow") {
  // Found by tests/fuzz (registry_json): runtime::parseTime overflowed converting year 1 to
  // nanoseconds. Such an image now has no creation time, and the pruner keeps it.
  auto zero = oci::parseImageCreated(R"({"created":"0001-01-01T00:00:00Z"})");
  REQUIRE_FALSE(zero);
  CHECK(zero.error().message() == "created: is not an RFC 3339 time between 1678 and 2261");
  CHECK_FALSE(oci::parseImageCreated(R"({"created":"9999-12-31T23:59:59Z"})"));
}

TEST_CASE("catalog and tag list bodies") {
  auto catalog = oci::parseCatalog(R"({"repositories":["a","team/b"]})");
  REQUIRE(catalog);
  CHECK(*catalog == std::vector<std::string>{"a", "team/b"});
  auto empty = oci::parseCatalog(R"({"repositories":null})");
  REQUIRE(empty);
  CHECK(empty->empty());
  auto tags = oci::parseTagList(R"({"name":"a","tags":["1","latest"]})");
  REQUIRE(tags);
  CHECK(*tags == std::vector<std::string>{"1", "latest"});
  auto no_tags = oci::parseTagList(R"({"name":"a","tags":null})");
  REQUIRE(no_tags);
  CHECK(no_tags->empty());

  auto bad = oci::parseCatalog(R"({"repositories":["a",2]})");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() == "repositories[1]: must be a string");
  auto not_array = oci::parseTagList(R"({"tags":"1"})");
  REQUIRE_FALSE(not_array);
  CHECK(not_array.error().message() == "tags: must be an array");
  CHECK(oci::parseTagList("<html>").error().message() == "tag list: not valid JSON");
}

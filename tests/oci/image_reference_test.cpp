#include <catch2/catch.hpp>

#include "oci/image_reference.h"

namespace {

oci::ImageReference parsed(std::string_view reference) {
  auto result = oci::parseImageReference(reference);
  INFO(reference);
  REQUIRE(result);
  return *result;
}

std::string errorOf(std::string_view reference) {
  auto result = oci::parseImageReference(reference);
  INFO(reference);
  REQUIRE_FALSE(result);
  CHECK(result.error().is(kube::ErrorKind::Invalid));
  return result.error().message();
}

}  // namespace

TEST_CASE("image references: Docker Hub names get docker.io, library/ and registry-1") {
  auto busybox = parsed("busybox");
  CHECK(busybox.host == "docker.io");
  CHECK(busybox.api_host == "registry-1.docker.io");
  CHECK(busybox.repository == "library/busybox");
  CHECK(busybox.name() == "docker.io/library/busybox");

  auto team = parsed("team/app");
  CHECK(team.host == "docker.io");
  CHECK(team.repository == "team/app");

  for (auto written :
       {"docker.io/busybox", "index.docker.io/busybox", "docker.io/library/busybox"}) {
    auto same = parsed(written);
    CHECK(same.host == "docker.io");
    CHECK(same.api_host == "registry-1.docker.io");
    CHECK(same.repository == "library/busybox");
  }
  // No '.', ':' or "localhost" in the first component: a Docker Hub path, however deep.
  CHECK(parsed("a/b/c").repository == "a/b/c");
  // One component with a dot is still a Docker Hub name, as docker reads it.
  CHECK(parsed("quay.io").name() == "docker.io/library/quay.io");
}

TEST_CASE("image references: a first component with '.', ':', localhost or upper case is a host") {
  auto quay = parsed("quay.io/team/app");
  CHECK(quay.host == "quay.io");
  CHECK(quay.api_host == "quay.io");
  CHECK(quay.repository == "team/app");

  auto local = parsed("localhost:5000/app");
  CHECK(local.host == "localhost:5000");
  CHECK(local.repository == "app");
  CHECK(parsed("localhost/app").host == "localhost");
  CHECK(parsed("127.0.0.1:5001/upstream/app").host == "127.0.0.1:5001");
  CHECK(parsed("[::1]:5000/app").host == "[::1]:5000");
  CHECK(parsed("Registry/app").host == "Registry");
  // Not docker.io: no library/ prefix and the API at the host itself.
  auto ghcr = parsed("ghcr.io/app");
  CHECK(ghcr.repository == "app");
  CHECK(ghcr.api_host == "ghcr.io");
}

TEST_CASE("image references: a tag or digest is refused, naming the reference") {
  CHECK(errorOf("busybox:1.36") ==
        "invalid image reference \"busybox:1.36\": it has a tag; give the repository alone, "
        "without tag or digest");
  CHECK(errorOf("localhost:5000/app:v1").find("it has a tag") != std::string::npos);
  CHECK(errorOf("quay.io/app@sha256:" + std::string(64, 'a')).find("it has a digest") !=
        std::string::npos);
}

TEST_CASE("image references: empty, bad hosts and paths outside the grammar are refused") {
  CHECK(errorOf("") == "invalid image reference \"\": it is empty");
  CHECK(errorOf("team/App").find("must be lower case") != std::string::npos);
  CHECK(errorOf("quay.io/") ==
        "invalid image reference \"quay.io/\": \"\" is not a repository "
        "path (lower-case components of letters and digits, separated "
        "by '/', each joined inside by '.', '_', '__' or dashes)");
  for (auto bad : {"quay.io//app", "quay.io/app/", "quay.io/-app", "quay.io/a..b", "quay.io/a b",
                   "a/../b", "quay.io/a?b", "/app"}) {
    CHECK(errorOf(bad).find("is not a repository path") != std::string::npos);
  }
  for (auto bad : {"-quay.io/app", "quay..io/app", "quay.io:/app", "quay.io:99999x/app", "[::1/app",
                   "[]:5000/app", "quay_io.com/app", "../etc"}) {
    CHECK(errorOf(bad).find("is not a registry host") != std::string::npos);
  }
  CHECK(errorOf("quay.io/" + std::string(250, 'a')).find("longer than 255") != std::string::npos);
}

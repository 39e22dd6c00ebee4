#include <catch2/catch.hpp>

#include "kube/base64.h"
#include "oci/docker_config.h"

namespace {

const std::string kFile = "/secrets/pull/.dockerconfigjson";

oci::DockerConfig parsed(const std::string& json) {
  auto config = oci::parseDockerConfig(json, kFile);
  INFO(json);
  REQUIRE(config);
  return *config;
}

std::string errorOf(const std::string& json) {
  auto config = oci::parseDockerConfig(json, kFile);
  INFO(json);
  REQUIRE_FALSE(config);
  CHECK(config.error().is(kube::ErrorKind::Config));
  return config.error().message();
}

}  // namespace

TEST_CASE("docker config: auth as base64 of user:password, or username and password") {
  auto config = parsed(R"({"auths":{
      "quay.io":{"auth":")" +
                       kube::base64Encode("robot+ci:pa:ss") + R"("},
      "https://ghcr.io":{"username":"octo","password":"tok"},
      "registry.example.com:5000":{"auth":")" +
                       kube::base64Encode("a:b") +
                       R"(","username":"ignored","password":"ignored","email":"x@y"}}})");
  auto quay = oci::credentialsFor(config, "quay.io");
  REQUIRE(quay);
  CHECK(quay->username == "robot+ci");
  CHECK(quay->password == "pa:ss");  // only the first ':' separates
  auto ghcr = oci::credentialsFor(config, "ghcr.io");
  REQUIRE(ghcr);
  CHECK(ghcr->username == "octo");
  CHECK(ghcr->password == "tok");
  auto example = oci::credentialsFor(config, "registry.example.com:5000");
  REQUIRE(example);
  CHECK(example->username == "a");  // auth wins
  CHECK_FALSE(oci::credentialsFor(config, "registry.example.com"));
  CHECK_FALSE(oci::credentialsFor(config, "docker.io"));
}

TEST_CASE("docker config: Docker Hub's keys all mean docker.io") {
  for (const std::string key : {"https://index.docker.io/v1/", "index.docker.io", "docker.io",
                                "registry-1.docker.io", "https://registry-1.docker.io/v2/"}) {
    auto config = parsed(R"({"auths":{")" + key + R"(":{"username":"u","password":"p"}}})");
    INFO(key);
    auto hub = oci::credentialsFor(config, "docker.io");
    REQUIRE(hub);
    CHECK(hub->username == "u");
    CHECK(oci::credentialsFor(config, "index.docker.io"));
  }
  // The key written as the bare host wins over an alias of it, whatever the order.
  auto both = parsed(
      R"({"auths":{"https://index.docker.io/v1/":{"username":"old","password":"p"},
                   "docker.io":{"username":"new","password":"p"}}})");
  CHECK(oci::credentialsFor(both, "docker.io")->username == "new");
}

TEST_CASE("docker config: keys are normalized hosts") {
  CHECK(oci::normalizeRegistryHost("https://Quay.io/") == "quay.io");
  CHECK(oci::normalizeRegistryHost("http://localhost:5000/v2/") == "localhost:5000");
  CHECK(oci::normalizeRegistryHost("quay.io/team") == "quay.io");
  CHECK(oci::normalizeRegistryHost("https://index.docker.io/v1/") == "docker.io");
  auto config = parsed(R"({"auths":{}})");
  CHECK(config.auths.empty());
  CHECK_FALSE(oci::credentialsFor(config, "docker.io"));
}

TEST_CASE("docker config: errors name the file and the JSON path") {
  CHECK(errorOf("not json") == kFile + ": a .dockerconfigjson: not valid JSON");
  CHECK(errorOf("[]") == kFile + ": a .dockerconfigjson: not a JSON object");
  CHECK(errorOf(R"({"quay.io":{"auth":"eDp5"}})") == kFile + ": auths: is required");
  CHECK(errorOf(R"({"auths":[]})") == kFile + ": auths: must be an object");
  CHECK(errorOf(R"({"auths":{"quay.io":"x"}})") ==
        kFile + R"(: auths["quay.io"]: must be an object)");
  CHECK(errorOf(R"({"auths":{"quay.io":{"password":7}}})") ==
        kFile + R"(: auths["quay.io"].password: must be a string)");
  CHECK(errorOf(R"({"auths":{"https://":{}}})") ==
        kFile + R"(: auths["https://"]: names no registry host)");
}

TEST_CASE("docker config: a bad auth value's error does not contain it") {
  const std::string secret = "hunter2-not-base64!!";
  auto message = errorOf(R"({"auths":{"quay.io":{"auth":")" + secret + R"("}}})");
  CHECK(message == kFile + R"(: auths["quay.io"].auth: is not base64)");
  CHECK(message.find(secret) == std::string::npos);

  const std::string no_colon = kube::base64Encode("tokenwithoutuser");
  auto without_user = errorOf(R"({"auths":{"quay.io":{"auth":")" + no_colon + R"("}}})");
  CHECK(without_user.find(no_colon) == std::string::npos);
  CHECK(without_user.find("tokenwithoutuser") == std::string::npos);
  CHECK(without_user.find("no ':'") != std::string::npos);

  // A password of the wrong type is named, not shown; nor is the document when it is not JSON.
  auto wrong_type = errorOf(R"({"auths":{"quay.io":{"password":["s3cr3t"]}}})");
  CHECK(wrong_type.find("s3cr3t") == std::string::npos);
  auto broken = errorOf(R"({"auths":{"quay.io":{"password":"s3cr3t"})");
  CHECK(broken.find("s3cr3t") == std::string::npos);
}

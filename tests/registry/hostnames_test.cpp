#include <catch2/catch.hpp>

#include "registry/render/hostnames.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::parseOk;

TEST_CASE("the internal hostname is the Service's cluster DNS name and port") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  CHECK(internalHostname(config) == "image-registry.registry.svc:5000");
  CHECK(serviceDnsNames(config) ==
        std::vector<std::string>{"image-registry", "image-registry.registry",
                                 "image-registry.registry.svc",
                                 "image-registry.registry.svc.cluster.local"});
}

TEST_CASE("the default route host on Kubernetes comes from the ingress domain") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + "  defaultRoute: true\n"));
  PlatformOptions platform;
  platform.ingressDomain = "apps.example.com";
  auto host = defaultRouteHost(config, platform);
  REQUIRE(host.ok());
  CHECK(host.value() ==
        std::optional<std::string>("image-registry-default-route-registry.apps.example.com"));

  platform.ingressDomain.clear();
  auto missing = defaultRouteHost(config, platform);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().reason() == "DefaultRouteNeedsDomain");
  CHECK(missing.error().message().find("--ingress-domain") != std::string::npos);
}

TEST_CASE("no default route host when it is off or the router assigns it") {
  PlatformOptions platform;
  platform.ingressDomain = "apps.example.com";
  RegistryConfig off = parseOk(crWithSpec(kEmptyDir));
  auto none = defaultRouteHost(off, platform);
  REQUIRE(none.ok());
  CHECK_FALSE(none.value().has_value());

  RegistryConfig on = parseOk(crWithSpec(kEmptyDir + "  defaultRoute: true\n"));
  platform.platform = Platform::OpenShift;
  platform.ingressDomain.clear();
  auto openshift = defaultRouteHost(on, platform);
  REQUIRE(openshift.ok());
  CHECK_FALSE(openshift.value().has_value());
}

TEST_CASE("a default route host label over 63 characters is refused") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + "  defaultRoute: true\n"));
  config.namespace_ = std::string(40, 'n');
  PlatformOptions platform;
  platform.ingressDomain = "apps.example.com";
  auto host = defaultRouteHost(config, platform);
  REQUIRE_FALSE(host.ok());
  CHECK(host.error().message().find("longer than 63") != std::string::npos);
}

TEST_CASE("known external hostnames list the default host then routes with hosts") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + R"(  defaultRoute: true
  routes:
    - {name: a, hostname: a.example.com}
    - {name: b}
    - {name: c, hostname: c.example.com}
)"));
  PlatformOptions platform;
  platform.ingressDomain = "apps.example.com";
  CHECK(knownExternalHostnames(config, platform) ==
        std::vector<std::string>{"image-registry-default-route-registry.apps.example.com",
                                 "a.example.com", "c.example.com"});
  platform.ingressDomain.clear();
  CHECK(knownExternalHostnames(config, platform) ==
        std::vector<std::string>{"a.example.com", "c.example.com"});
}

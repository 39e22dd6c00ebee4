#include "registry/node/node_names.h"

#include <catch2/catch.hpp>

using namespace registry;

TEST_CASE("registry hosts: host[:port] with a DNS name or an IP address") {
  for (const char* host : {"reg.team-a.svc:5000", "reg.apps.example.com", "Registry.Example.COM",
                           "10.0.0.1:443", "[fd00::1]:5000", "[::1]", "localhost"}) {
    INFO(host);
    CHECK(checkRegistryHost(host).ok());
  }
  for (const char* host :
       {"", ".", "..", "../x", "a/b", "a b", "a\"b", "reg:", "reg:0", "reg:65536", "reg:50a",
        "[fd00::1", "[nope]:5000", "-reg", "a..b", "reg\n", "reg:5000:1"}) {
    INFO(host);
    CHECK_FALSE(checkRegistryHost(host).ok());
  }
}

TEST_CASE("owners are NAMESPACE/NAME") {
  CHECK(checkOwner("team-a/reg").ok());
  for (const char* owner :
       {"", "reg", "/reg", "team-a/", "team-a/reg/x", "Team/reg", "team a/reg", "team-a/reg\n"}) {
    INFO(owner);
    CHECK_FALSE(checkOwner(owner).ok());
  }
}

TEST_CASE("hosts entries: an IP address and a host name") {
  CHECK(checkHostsEntry("198.19.0.5", "reg.team-a.svc").ok());
  CHECK(checkHostsEntry("fd00::5", "reg").ok());
  CHECK_FALSE(checkHostsEntry("198.19.0", "reg").ok());
  CHECK_FALSE(checkHostsEntry("198.19.0.5", "reg evil").ok());
  CHECK_FALSE(checkHostsEntry("198.19.0.5", "").ok());
  CHECK_FALSE(checkHostsEntry("198.19.0.5 ", "reg").ok());
}

#include "registry/node/hosts_block.h"

#include <catch2/catch.hpp>

#include "node_test_support.h"

using namespace registry;
using namespace node::testing;

namespace {

const std::string kOwner = "team-a/reg";

const std::string kNodeHosts =
    "127.0.0.1 localhost\n"
    "::1 localhost ip6-localhost\n"
    "# BEGIN registry-operator team-b/other\n"
    "198.19.0.7 other.team-b.svc\n"
    "# END registry-operator team-b/other\n"
    "10.0.0.5 build-server\n";

}  // namespace

TEST_CASE("hosts block: added at the end, other lines and other owners' blocks kept") {
  auto out = withHostsBlock(kNodeHosts, kOwner, {{"198.19.0.5", "reg.team-a.svc"}});
  REQUIRE(out.ok());
  CHECK(out.value() == kNodeHosts +
                           "# BEGIN registry-operator team-a/reg\n"
                           "198.19.0.5 reg.team-a.svc\n"
                           "# END registry-operator team-a/reg\n");
}

TEST_CASE("hosts block: updated where it is, removed with no entries") {
  const std::string with_block =
      "127.0.0.1 localhost\n"
      "# BEGIN registry-operator team-a/reg\n"
      "198.19.0.5 reg.team-a.svc\n"
      "# END registry-operator team-a/reg\n"
      "10.0.0.5 build-server\n";
  auto updated = withHostsBlock(
      with_block, kOwner,
      {{"198.19.0.9", "reg.team-a.svc"}, {"fd00::9", "reg.team-a.svc.cluster.local"}});
  REQUIRE(updated.ok());
  CHECK(updated.value() ==
        "127.0.0.1 localhost\n"
        "# BEGIN registry-operator team-a/reg\n"
        "198.19.0.9 reg.team-a.svc\n"
        "fd00::9 reg.team-a.svc.cluster.local\n"
        "# END registry-operator team-a/reg\n"
        "10.0.0.5 build-server\n");
  auto removed = withHostsBlock(with_block, kOwner, {});
  REQUIRE(removed.ok());
  CHECK(removed.value() == "127.0.0.1 localhost\n10.0.0.5 build-server\n");
}

TEST_CASE("hosts block: a file without our block and nothing to add is left byte for byte") {
  for (const std::string& content : {kNodeHosts, std::string("127.0.0.1 localhost"), std::string(),
                                     std::string("\n\n# comment\n")}) {
    auto out = withHostsBlock(content, kOwner, {});
    REQUIRE(out.ok());
    CHECK(out.value() == content);
  }
  // A last line without its newline gets one only when our block follows it.
  auto appended = withHostsBlock("127.0.0.1 localhost", kOwner, {{"198.19.0.5", "reg"}});
  REQUIRE(appended.ok());
  CHECK(appended.value() ==
        "127.0.0.1 localhost\n# BEGIN registry-operator team-a/reg\n198.19.0.5 reg\n"
        "# END registry-operator team-a/reg\n");
}

TEST_CASE("hosts block: a prefix of our owner's name is another owner") {
  const std::string content =
      "# BEGIN registry-operator team-a/reg2\n1.2.3.4 x\n# END registry-operator team-a/reg2\n";
  auto out = withHostsBlock(content, kOwner, {});
  REQUIRE(out.ok());
  CHECK(out.value() == content);
}

TEST_CASE("hosts block: malformed blocks and entries are refused, not guessed at") {
  auto unterminated = withHostsBlock(
      "# BEGIN registry-operator team-a/reg\n1.2.3.4 reg\n10.0.0.5 build-server\n", kOwner, {});
  REQUIRE_FALSE(unterminated.ok());
  CHECK(unterminated.error().message() ==
        "\"# BEGIN registry-operator team-a/reg\" has no \"# END registry-operator team-a/reg\" "
        "line after it");
  auto injected = withHostsBlock("", kOwner, {{"1.2.3.4", "reg\n6.6.6.6 evil"}});
  REQUIRE_FALSE(injected.ok());
  CHECK(injected.error().message() == "\"reg\n6.6.6.6 evil\" is not a host name");
  auto bad_ip = withHostsBlock("", kOwner, {{"1.2.3", "reg"}});
  REQUIRE_FALSE(bad_ip.ok());
  CHECK(bad_ip.error().message() == "\"1.2.3\" (for reg) is not an IPv4 or IPv6 address");
}

TEST_CASE("syncHostsBlock rewrites the file in place, and only when it changes") {
  TempDir dir;
  const auto path = dir.path / "hosts";
  writeFile(path, kNodeHosts);
  const ino_t inode = statOf(path).st_ino;

  auto added = syncHostsBlock(path.string(), kOwner, {{"198.19.0.5", "reg.team-a.svc"}});
  REQUIRE(added.ok());
  CHECK(added.value());
  CHECK(readFile(path) == kNodeHosts +
                              "# BEGIN registry-operator team-a/reg\n198.19.0.5 reg.team-a.svc\n"
                              "# END registry-operator team-a/reg\n");
  CHECK(statOf(path).st_ino == inode);  // in place: a bind-mounted file stays the mounted one

  const FileIdentity at_rest = identityOf(path);
  auto again = syncHostsBlock(path.string(), kOwner, {{"198.19.0.5", "reg.team-a.svc"}});
  REQUIRE(again.ok());
  CHECK_FALSE(again.value());
  CHECK(identityOf(path) == at_rest);

  auto updated = syncHostsBlock(path.string(), kOwner, {{"198.19.0.6", "reg.team-a.svc"}});
  REQUIRE(updated.ok());
  CHECK(updated.value());
  CHECK(readFile(path).find("198.19.0.6 reg.team-a.svc\n") != std::string::npos);
  CHECK(statOf(path).st_ino == inode);

  auto removed = removeHostsBlock(path.string(), kOwner);
  REQUIRE(removed.ok());
  CHECK(removed.value());
  CHECK(readFile(path) == kNodeHosts);
  CHECK(statOf(path).st_ino == inode);
  auto removed_again = removeHostsBlock(path.string(), kOwner);
  REQUIRE(removed_again.ok());
  CHECK_FALSE(removed_again.value());
}

TEST_CASE("syncHostsBlock: a missing file, and errors naming the path") {
  TempDir dir;
  const auto missing = dir.path / "hosts";
  auto nothing = removeHostsBlock(missing.string(), kOwner);
  REQUIRE(nothing.ok());
  CHECK_FALSE(nothing.value());
  CHECK_FALSE(std::filesystem::exists(missing));
  auto needed = syncHostsBlock(missing.string(), kOwner, {{"198.19.0.5", "reg"}});
  REQUIRE_FALSE(needed.ok());
  CHECK(needed.error().message() ==
        "cannot update " + missing.string() + ": No such file or directory");

  writeFile(missing, "# BEGIN registry-operator team-a/reg\n");
  auto malformed = syncHostsBlock(missing.string(), kOwner, {{"198.19.0.5", "reg"}});
  REQUIRE_FALSE(malformed.ok());
  CHECK_THAT(malformed.error().message(),
             Catch::StartsWith("cannot update " + missing.string() + ": \"# BEGIN"));
  CHECK(readFile(missing) == "# BEGIN registry-operator team-a/reg\n");

  auto directory = syncHostsBlock(dir.path.string(), kOwner, {{"198.19.0.5", "reg"}});
  REQUIRE_FALSE(directory.ok());
  CHECK_THAT(directory.error().message(), Catch::StartsWith("cannot "));
  CHECK_THAT(directory.error().message(), Catch::Contains(dir.path.string()));
}

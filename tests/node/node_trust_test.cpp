#include "registry/node/node_trust.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include <catch2/catch.hpp>

#include "node_test_support.h"
#include "registry/node/ownership_marker.h"

using namespace registry;
using namespace node::testing;
namespace fs = std::filesystem;

namespace {

const std::string kOwner = "team-a/reg";
const std::string kInternal = "reg.team-a.svc:5000";
const std::string kExternal = "reg.apps.example.com";

const char* const kHostsToml =
    "# Written by registry-operator node-ca; it rewrites or removes this file.\n"
    "server = \"https://reg.team-a.svc:5000\"\n"
    "\n"
    "[host.\"https://reg.team-a.svc:5000\"]\n"
    "  capabilities = [\"pull\", \"resolve\"]\n"
    "  ca = \"/etc/containerd/certs.d/reg.team-a.svc:5000/ca.crt\"\n";

fs::path docker(const TempDir& root) { return root.path / "etc/docker/certs.d"; }
fs::path containers(const TempDir& root) { return root.path / "etc/containers/certs.d"; }
fs::path containerd(const TempDir& root) { return root.path / "etc/containerd/certs.d"; }

NodeTrustReport syncOk(const TempDir& root, const std::vector<std::string>& hosts,
                       const std::string& ca = kOldCa, const std::string& owner = kOwner) {
  NodeTrustReport report = syncNodeTrust(root.str(), owner, hosts, ca);
  for (const auto& failure : report.failures) INFO(failure.message());
  REQUIRE(report.ok());
  return report;
}

bool contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

// Every regular file under `dir` with its identity, to compare before and after.
std::map<std::string, FileIdentity> snapshot(const fs::path& dir) {
  std::map<std::string, FileIdentity> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.emplace(entry.path().string(), identityOf(entry.path()));
  }
  return files;
}

}  // namespace

TEST_CASE("node trust writes the three certs.d trees with 0644 files in 0755 directories") {
  TempDir root;
  const mode_t old_umask = ::umask(077);  // the modes must not depend on the caller's umask
  NodeTrustReport report = syncOk(root, {kInternal, kExternal});
  ::umask(old_umask);
  CHECK(report.conflicts.empty());
  for (const fs::path& tree : {docker(root), containers(root), containerd(root)}) {
    CHECK(modeOf(tree) == 0755);
    for (const std::string& host : {kInternal, kExternal}) {
      CHECK(modeOf(tree / host) == 0755);
      CHECK(readFile(tree / host / "ca.crt") == kOldCa);
      CHECK(modeOf(tree / host / "ca.crt") == 0644);
      CHECK(readOwnershipMarker(tree / host).value() == std::optional<std::string>(kOwner));
      CHECK(modeOf(tree / host / kOwnershipMarker) == 0644);
    }
  }
  CHECK(modeOf(root.path / "etc") == 0755);
  CHECK(modeOf(containerd(root) / kInternal / "hosts.toml") == 0644);
  // docker and podman read only the CA there; containerd reads hosts.toml, which names it.
  CHECK(fs::exists(containerd(root) / kInternal / "hosts.toml"));
  CHECK_FALSE(fs::exists(docker(root) / kInternal / "hosts.toml"));
  CHECK_FALSE(fs::exists(containers(root) / kInternal / "hosts.toml"));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(containerd(root) / kInternal)) {
    ++entries;
  }
  CHECK(entries == 3);  // ca.crt, hosts.toml, the marker: no temporary file left behind
  CHECK(contains(report.changes, "wrote " + (docker(root) / kInternal / "ca.crt").string()));
  CHECK(contains(report.changes, "created directory " + (containerd(root) / kExternal).string()));
}

TEST_CASE("node trust: hosts.toml names the CA by the node's path, not the mount's") {
  TempDir root;
  syncOk(root, {kInternal, kExternal});
  CHECK(readFile(containerd(root) / kInternal / "hosts.toml") == kHostsToml);
  CHECK(readFile(containerd(root) / kExternal / "hosts.toml") ==
        "# Written by registry-operator node-ca; it rewrites or removes this file.\n"
        "server = \"https://reg.apps.example.com\"\n"
        "\n"
        "[host.\"https://reg.apps.example.com\"]\n"
        "  capabilities = [\"pull\", \"resolve\"]\n"
        "  ca = \"/etc/containerd/certs.d/reg.apps.example.com/ca.crt\"\n");
}

TEST_CASE("node trust: a second sync with the same CA writes nothing") {
  TempDir root;
  syncOk(root, {kInternal, kExternal});
  const auto before = snapshot(root.path);
  NodeTrustReport again = syncOk(root, {kInternal, kExternal});
  CHECK(again.changes.empty());
  CHECK(again.conflicts.empty());
  CHECK(snapshot(root.path) == before);
}

TEST_CASE("node trust: a new CA rewrites the CA files, and only them") {
  TempDir root;
  syncOk(root, {kInternal});
  const FileIdentity toml = identityOf(containerd(root) / kInternal / "hosts.toml");
  const FileIdentity ca = identityOf(docker(root) / kInternal / "ca.crt");
  NodeTrustReport rotated = syncOk(root, {kInternal}, kOldCa + kNewCa);
  CHECK(rotated.changes.size() == 3);
  for (const fs::path& tree : {docker(root), containers(root), containerd(root)}) {
    CHECK(readFile(tree / kInternal / "ca.crt") == kOldCa + kNewCa);
    CHECK(modeOf(tree / kInternal / "ca.crt") == 0644);
  }
  CHECK_FALSE(identityOf(docker(root) / kInternal / "ca.crt") == ca);
  CHECK(identityOf(containerd(root) / kInternal / "hosts.toml") == toml);
}

TEST_CASE("node trust: a file changed by hand, or its mode, is written back") {
  TempDir root;
  syncOk(root, {kInternal});
  writeFile(containerd(root) / kInternal / "hosts.toml", "server = \"https://elsewhere\"\n");
  ::chmod((docker(root) / kInternal / "ca.crt").c_str(), 0600);
  NodeTrustReport repaired = syncOk(root, {kInternal});
  CHECK(repaired.changes.size() == 2);
  CHECK(readFile(containerd(root) / kInternal / "hosts.toml") == kHostsToml);
  CHECK(modeOf(docker(root) / kInternal / "ca.crt") == 0644);
}

TEST_CASE("node trust: a host no longer listed loses only its own directories") {
  TempDir root;
  syncOk(root, {kInternal, kExternal});
  const auto kept = snapshot(containerd(root) / kInternal);
  NodeTrustReport report = syncOk(root, {kInternal});
  for (const fs::path& tree : {docker(root), containers(root), containerd(root)}) {
    CHECK_FALSE(fs::exists(tree / kExternal));
    CHECK(fs::exists(tree / kInternal / "ca.crt"));
    CHECK(contains(report.changes, "removed directory " + (tree / kExternal).string()));
  }
  CHECK(contains(report.changes,
                 "removed " + (containerd(root) / kExternal / "hosts.toml").string()));
  CHECK(snapshot(containerd(root) / kInternal) == kept);
  // containerd never finds a hosts.toml whose CA file is already gone.
  const auto position = [&](const std::string& file) {
    const std::string line = "removed " + (containerd(root) / kExternal / file).string();
    return std::find(report.changes.begin(), report.changes.end(), line) - report.changes.begin();
  };
  CHECK(position("hosts.toml") < position("ca.crt"));
  CHECK(position("ca.crt") < static_cast<long>(report.changes.size()));
}

TEST_CASE("node trust: another owner's and an administrator's directories are never touched") {
  TempDir root;
  // Another RegistryConfig's host, and one this owner stops wanting while the other keeps it.
  syncOk(root, {"other.team-b.svc:5000"}, kNewCa, "team-b/other");
  // An administrator's own directory for a host this owner wants, with their own CA.
  fs::create_directories(containers(root) / kExternal);
  writeFile(containers(root) / kExternal / "ca.crt", kNewCa);
  writeFile(containers(root) / kExternal / "client.cert", "mine");
  // A symlink to a directory elsewhere, for a host this owner wants.
  fs::create_directories(root.path / "elsewhere");
  fs::create_symlink(root.path / "elsewhere", docker(root) / kExternal);
  const auto before = snapshot(root.path);

  NodeTrustReport report =
      syncNodeTrust(root.str(), kOwner, {kExternal, "other.team-b.svc:5000"}, kOldCa);
  CHECK(report.ok());
  CHECK(contains(report.conflicts, (containers(root) / kExternal).string() +
                                       " exists without registry-operator's ownership marker"));
  CHECK(contains(report.conflicts, (docker(root) / kExternal).string() +
                                       " exists and is not a directory: left alone"));
  CHECK(contains(report.conflicts, (docker(root) / "other.team-b.svc:5000").string() +
                                       " belongs to RegistryConfig team-b/other: left alone"));
  // Everything that was there is unchanged; ours was added beside it.
  auto after = snapshot(root.path);
  for (const auto& [path, identity] : before) {
    INFO(path);
    REQUIRE(after.count(path) == 1);
    CHECK(after.at(path) == identity);
  }
  CHECK(readFile(containerd(root) / kExternal / "ca.crt") == kOldCa);
  CHECK(readFile(containerd(root) / "other.team-b.svc:5000" / "ca.crt") == kNewCa);

  // Removing everything of ours leaves theirs alone too.
  NodeTrustReport removed = removeNodeTrust(root.str(), kOwner);
  CHECK(removed.ok());
  CHECK(readFile(containers(root) / kExternal / "client.cert") == "mine");
  CHECK(readFile(docker(root) / "other.team-b.svc:5000" / "ca.crt") == kNewCa);
  CHECK(fs::is_symlink(docker(root) / kExternal));
  CHECK_FALSE(fs::exists(containerd(root) / kExternal));
}

TEST_CASE("removeNodeTrust removes everything the owner wrote, and nothing at rest") {
  TempDir root;
  syncOk(root, {kInternal, kExternal});
  NodeTrustReport removed = removeNodeTrust(root.str(), kOwner);
  CHECK(removed.ok());
  for (const fs::path& tree : {docker(root), containers(root), containerd(root)}) {
    CHECK(fs::is_empty(tree));  // the certs.d directories themselves stay: the node's
  }
  NodeTrustReport again = removeNodeTrust(root.str(), kOwner);
  CHECK(again.ok());
  CHECK(again.changes.empty());
}

TEST_CASE("removeNodeTrust leaves a directory that holds files it did not write") {
  TempDir root;
  syncOk(root, {kInternal});
  writeFile(docker(root) / kInternal / "client.key", "an administrator's key");
  NodeTrustReport removed = removeNodeTrust(root.str(), kOwner);
  CHECK(removed.ok());
  CHECK(contains(removed.conflicts, (docker(root) / kInternal).string() +
                                        " still holds files registry-operator did not write"));
  CHECK(readFile(docker(root) / kInternal / "client.key") == "an administrator's key");
  CHECK_FALSE(fs::exists(docker(root) / kInternal / "ca.crt"));
  CHECK_FALSE(fs::exists(docker(root) / kInternal / kOwnershipMarker));
  CHECK_FALSE(fs::exists(containers(root) / kInternal));
}

TEST_CASE("node trust: leftovers of an interrupted write or directory creation are cleaned up") {
  TempDir root;
  syncOk(root, {kInternal});
  // A crash between mkdtemp and rename, and one in the middle of writing a file.
  const fs::path half_made = docker(root) / ".reg.apps.example.com.Ab12Cd";
  fs::create_directories(half_made);
  writeFile(half_made / kOwnershipMarker, kOwner + "\n");
  writeFile(docker(root) / kInternal / ".ca.crt.Xy34Zw", "half a CA");
  NodeTrustReport report = syncOk(root, {kInternal});
  CHECK_FALSE(fs::exists(half_made));
  NodeTrustReport removed = removeNodeTrust(root.str(), kOwner);
  CHECK(removed.conflicts.empty());
  CHECK_FALSE(fs::exists(docker(root) / kInternal));
}

TEST_CASE("node trust errors name the path and the operation") {
  SECTION("a root that does not exist is not created") {
    TempDir temp;
    const fs::path missing = temp.path / "no-such-root";
    NodeTrustReport report = syncNodeTrust(missing.string(), kOwner, {kInternal}, kOldCa);
    REQUIRE(report.failures.size() == 1);
    CHECK(report.failures[0].message() ==
          "cannot use host root " + missing.string() + ": No such file or directory");
    CHECK_FALSE(fs::exists(missing));
  }
  SECTION("a root that is a file") {
    TempDir temp;
    writeFile(temp.path / "file", "x");
    NodeTrustReport report =
        syncNodeTrust((temp.path / "file").string(), kOwner, {kInternal}, kOldCa);
    REQUIRE(report.failures.size() == 1);
    CHECK(report.failures[0].message() ==
          "cannot use host root " + (temp.path / "file").string() + ": Not a directory");
  }
  SECTION("a certs.d that cannot be created fails that tree only") {
    TempDir root;
    fs::create_directories(root.path / "etc");
    writeFile(root.path / "etc/docker", "a file where a directory should be");
    NodeTrustReport report = syncNodeTrust(root.str(), kOwner, {kInternal}, kOldCa);
    REQUIRE(report.failures.size() == 1);
    CHECK(report.failures[0].message() == "cannot create directory " +
                                              (root.path / "etc/docker").string() +
                                              ": a file of that name exists");
    CHECK(readFile(containers(root) / kInternal / "ca.crt") == kOldCa);
    CHECK(readFile(containerd(root) / kInternal / "ca.crt") == kOldCa);
  }
  SECTION("a root that is not writable") {
    TempDir root;
    fs::create_directories(root.path / "etc");
    ::chmod((root.path / "etc").c_str(), 0555);
    NodeTrustReport report = syncNodeTrust(root.str(), kOwner, {kInternal}, kOldCa);
    ::chmod((root.path / "etc").c_str(), 0755);
    if (::geteuid() == 0) {
      // root writes whatever the mode says; the other cases cover the error path there
      CHECK(report.ok());
    } else {
      REQUIRE(report.failures.size() == 3);
      CHECK(report.failures[0].message() == "cannot create directory " +
                                                (root.path / "etc/docker").string() +
                                                ": Permission denied");
    }
  }
}

TEST_CASE("node trust changes nothing on bad input") {
  TempDir root;
  syncOk(root, {kInternal, kExternal});
  const auto before = snapshot(root.path);
  SECTION("a host that could climb out of its directory") {
    NodeTrustReport report = syncNodeTrust(root.str(), kOwner, {kInternal, "../../etc"}, kOldCa);
    REQUIRE(report.failures.size() == 1);
    CHECK_THAT(report.failures[0].message(),
               Catch::StartsWith("registry host \"../../etc\" is not host[:port]"));
  }
  SECTION("a CA bundle without a certificate") {
    NodeTrustReport report = syncNodeTrust(root.str(), kOwner, {kInternal}, "");
    REQUIRE(report.failures.size() == 1);
    CHECK(report.failures[0].message() == "the CA bundle holds no PEM certificate");
  }
  SECTION("an owner that is not NAMESPACE/NAME") {
    NodeTrustReport report = syncNodeTrust(root.str(), "reg", {kInternal}, kOldCa);
    REQUIRE(report.failures.size() == 1);
    CHECK(report.failures[0].message() == "owner \"reg\" is not NAMESPACE/NAME");
  }
  CHECK(snapshot(root.path) == before);
}

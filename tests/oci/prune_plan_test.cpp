#include <catch2/catch.hpp>

#include <algorithm>

#include "oci/media_types.h"
#include "oci/prune_plan.h"
#include "runtime/time_format.h"

namespace {

using std::chrono::hours;

const oci::TimePoint kNow = *runtime::parseTime("2026-03-01T12:00:00Z");

std::string digest(char c) { return "sha256:" + std::string(64, c); }

oci::ManifestInfo image(std::optional<oci::TimePoint> created,
                        std::vector<oci::BlobRef> blobs = {}) {
  oci::ManifestInfo info;
  info.media_type = std::string(oci::kOciManifest);
  info.size = 100;
  info.created = created;
  info.blobs = std::move(blobs);
  return info;
}

oci::ManifestInfo index(std::vector<std::string> children, std::optional<oci::TimePoint> created) {
  oci::ManifestInfo info;
  info.media_type = std::string(oci::kOciIndex);
  info.size = 50;
  info.created = created;
  info.children = std::move(children);
  return info;
}

oci::PrunePolicy policy(std::int64_t keep, std::chrono::milliseconds younger) {
  return oci::PrunePolicy{keep, younger, kNow};
}

std::vector<std::string> digests(const std::vector<oci::PlannedManifest>& manifests) {
  std::vector<std::string> out;
  for (const auto& manifest : manifests) out.push_back(manifest.digest);
  std::sort(out.begin(), out.end());
  return out;
}

const oci::PlannedManifest* findIn(const std::vector<oci::PlannedManifest>& manifests,
                                   const std::string& wanted) {
  for (const auto& manifest : manifests) {
    if (manifest.digest == wanted) return &manifest;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("the N newest tags are kept, older ones past the age limit deleted") {
  oci::RepositoryInventory repository{
      "team/app",
      {{"1", digest('1')}, {"2", digest('2')}, {"3", digest('3')}, {"4", digest('4')}},
      {{digest('1'), image(kNow - hours(96))},
       {digest('2'), image(kNow - hours(72))},
       {digest('3'), image(kNow - hours(48))},
       {digest('4'), image(kNow - hours(24))}}};
  auto plan = oci::planPrune({repository}, policy(2, hours(1)));
  REQUIRE(plan.repositories.size() == 1);
  const auto& repo = plan.repositories[0];
  CHECK(digests(repo.deletions) == std::vector<std::string>{digest('1'), digest('2')});
  CHECK(digests(repo.kept) == std::vector<std::string>{digest('3'), digest('4')});
  CHECK(findIn(repo.kept, digest('4'))->reason == "tag 4 is one of the 2 newest");
  CHECK(findIn(repo.deletions, digest('1'))->tags == std::vector<std::string>{"1"});
  CHECK(findIn(repo.deletions, digest('1'))->reason ==
        "created 2026-02-25T12:00:00Z, older than 1h and not among the 2 newest tags");
  CHECK(plan.deletionCount() == 2);
}

TEST_CASE("everything younger than the limit is kept, whatever its rank") {
  oci::RepositoryInventory repository{
      "a",
      {{"old", digest('1')}, {"new1", digest('2')}, {"new2", digest('3')}},
      {{digest('1'), image(kNow - hours(5))},
       {digest('2'), image(kNow - hours(2))},
       {digest('3'), image(kNow - hours(1))}}};
  auto plan = oci::planPrune({repository}, policy(1, hours(3)));
  const auto& repo = plan.repositories[0];
  CHECK(digests(repo.deletions) == std::vector<std::string>{digest('1')});
  CHECK(findIn(repo.kept, digest('2'))->reason == "tag new1 is younger than 3h");
  // A creation time in the future (a skewed build clock) is young, not an overflow.
  repository.manifests[digest('1')].created = kNow + hours(24 * 365);
  CHECK(oci::planPrune({repository}, policy(0, hours(3))).deletionCount() == 0);
}

TEST_CASE("keepTagRevisions 0 keeps only what is young") {
  oci::RepositoryInventory repository{"a",
                                      {{"1", digest('1')}, {"2", digest('2')}},
                                      {{digest('1'), image(kNow - hours(48))},
                                       {digest('2'), image(kNow - std::chrono::minutes(5))}}};
  auto plan = oci::planPrune({repository}, policy(0, hours(1)));
  CHECK(digests(plan.repositories[0].deletions) == std::vector<std::string>{digest('1')});
  CHECK(
      findIn(plan.repositories[0].deletions, digest('1'))->reason.find("not among the 0 newest") !=
      std::string::npos);
  // And with no age limit either, every tag goes.
  CHECK(oci::planPrune({repository}, policy(0, std::chrono::milliseconds(0))).deletionCount() == 2);
}

TEST_CASE("a digest shared by a kept tag and an old tag is kept, with both tags") {
  // latest and v1 point at the same digest; v1 is old by itself, latest is the newest tag.
  oci::RepositoryInventory repository{
      "a",
      {{"latest", digest('s')}, {"v1", digest('s')}, {"v0", digest('0')}, {"v2", digest('2')}},
      {{digest('s'), image(kNow - hours(100))},
       {digest('0'), image(kNow - hours(200))},
       {digest('2'), image(kNow - hours(50))}}};
  auto plan = oci::planPrune({repository}, policy(2, hours(1)));
  const auto& repo = plan.repositories[0];
  // Ranked: v2 (50h), latest (100h), v1 (100h, same digest), v0 (200h). Kept by rank: v2 and
  // latest; v1 is past the rank but its digest is latest's.
  CHECK(digests(repo.deletions) == std::vector<std::string>{digest('0')});
  const auto* shared = findIn(repo.kept, digest('s'));
  REQUIRE(shared);
  CHECK(shared->tags == std::vector<std::string>{"latest", "v1"});
  CHECK(shared->reason == "tag latest is one of the 2 newest");
}

TEST_CASE("an old tag on a kept index's child keeps the child") {
  oci::RepositoryInventory repository{
      "multi",
      {{"v2", digest('i')}, {"amd64-old", digest('a')}},
      {{digest('i'), index({digest('a'), digest('b')}, kNow - hours(1))},
       {digest('a'), image(kNow - hours(90))},
       {digest('b'), image(kNow - hours(1))}}};
  auto plan = oci::planPrune({repository}, policy(1, std::chrono::minutes(1)));
  const auto& repo = plan.repositories[0];
  CHECK(repo.deletions.empty());
  CHECK(findIn(repo.kept, digest('a'))->reason == "referenced by kept index " + digest('i'));
  CHECK(findIn(repo.kept, digest('b')) != nullptr);
}

TEST_CASE("a deleted index takes its children along, unless something kept holds them") {
  // Old index i1 (children a, b); new index i2 (children b, c). b is shared.
  oci::RepositoryInventory repository{
      "multi",
      {{"old", digest('1')}, {"new", digest('2')}},
      {{digest('1'), index({digest('a'), digest('b')}, kNow - hours(80))},
       {digest('2'), index({digest('b'), digest('c')}, kNow - hours(2))},
       {digest('a'), image(kNow - hours(80), {{"sha256:la", 1000}, {"sha256:cfg-a", 10}})},
       {digest('b'), image(kNow - hours(81), {{"sha256:lb", 2000}, {"sha256:cfg-b", 20}})},
       {digest('c'), image(kNow - hours(2), {{"sha256:lc", 3000}})}}};
  auto plan = oci::planPrune({repository}, policy(1, hours(1)));
  const auto& repo = plan.repositories[0];
  CHECK(digests(repo.deletions) == std::vector<std::string>{digest('1'), digest('a')});
  // The index goes first, then its child.
  REQUIRE(repo.deletions.size() == 2);
  CHECK(repo.deletions[0].digest == digest('1'));
  CHECK(repo.deletions[1].reason == "referenced only by deleted index " + digest('1'));
  CHECK(repo.deletions[1].tags.empty());
  // Freed: the index (50) and a's manifest (100), layer (1000) and config (10).
  CHECK(plan.bytes_freeable == 50 + 100 + 1000 + 10);
}

TEST_CASE("tags of unknown age are kept and rank first") {
  oci::ManifestInfo unreadable;
  unreadable.media_type = "application/vnd.docker.distribution.manifest.v1+prettyjws";
  unreadable.note = "manifest: unsupported media type";
  oci::RepositoryInventory repository{
      "a",
      {{"schema1", digest('u')}, {"old", digest('1')}, {"older", digest('2')}},
      {{digest('u'), unreadable},
       {digest('1'), image(kNow - hours(10))},
       {digest('2'), image(kNow - hours(20))}}};
  auto plan = oci::planPrune({repository}, policy(2, hours(1)));
  const auto& repo = plan.repositories[0];
  // schema1 takes one of the two places: only "old" is kept by rank.
  CHECK(digests(repo.deletions) == std::vector<std::string>{digest('2')});
  CHECK(findIn(repo.kept, digest('u'))->reason ==
        "tag schema1: creation time unknown (manifest: unsupported media type)");
}

TEST_CASE("freeable bytes count blobs that only deleted manifests reference, in any repository") {
  // A layer shared between a deleted image in repository a and a kept one in b stays.
  oci::RepositoryInventory a{
      "a",
      {{"new", digest('n')}, {"old", digest('o')}},
      {{digest('n'), image(kNow, {{"sha256:cfg-n", 5}})},
       {digest('o'), image(kNow - hours(100),
                           {{"sha256:shared", 700}, {"sha256:own", 300}, {"sha256:cfg-o", 7}})}}};
  oci::RepositoryInventory b{
      "b", {{"1", digest('b')}}, {{digest('b'), image(kNow, {{"sha256:shared", 700}})}}};
  auto plan = oci::planPrune({a, b}, policy(1, hours(1)));
  CHECK(plan.deletionCount() == 1);
  CHECK(plan.bytes_freeable == 100 + 300 + 7);
  // The same manifest kept in another repository keeps all of its blobs.
  b.tags["1"] = digest('o');
  b.manifests = {{digest('o'), a.manifests[digest('o')]}};
  auto shared = oci::planPrune({a, b}, policy(1, hours(1)));
  CHECK(shared.deletionCount() == 1);
  CHECK(shared.bytes_freeable == 0);
}

TEST_CASE("an empty registry and a repository without tags plan nothing") {
  CHECK(oci::planPrune({}, policy(3, hours(1))).repositories.empty());
  auto plan = oci::planPrune({oci::RepositoryInventory{"empty", {}, {}}}, policy(0, hours(0)));
  REQUIRE(plan.repositories.size() == 1);
  CHECK(plan.repositories[0].deletions.empty());
  CHECK(plan.repositories[0].kept.empty());
  CHECK(plan.bytes_freeable == 0);
}

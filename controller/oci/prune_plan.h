#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "oci/inventory.h"

namespace oci {

struct PrunePolicy {
  // The newest N tags of each repository (by their image's creation time) are kept.
  std::int64_t keep_tag_revisions = 3;
  // Every tag younger than this is kept, whatever its rank.
  std::chrono::milliseconds keep_younger_than{0};
  TimePoint now;
};

// A manifest the plan deletes (by digest, which removes every tag pointing at it) or keeps.
struct PlannedManifest {
  std::string digest;
  std::string media_type;
  std::vector<std::string> tags;  // the repository's tags pointing at it
  std::string reason;
};

struct RepositoryPlan {
  std::string name;
  // Indexes before images, so that a prune cut short never leaves a kept-looking index whose
  // children are gone.
  std::vector<PlannedManifest> deletions;
  std::vector<PlannedManifest> kept;
};

struct PrunePlan {
  std::vector<RepositoryPlan> repositories;
  // Bytes of the blobs (manifests, configs, layers) that only deleted manifests reference, in
  // the whole registry: what a garbage collection after the prune could free. An estimate from
  // above: manifests without a tag are not listed by the API (below) and may still hold some.
  std::int64_t bytes_freeable = 0;

  std::size_t deletionCount() const;
};

// Decides what a prune deletes; pure (no I/O, `policy.now` is the clock).
//
// In each repository the tags are ranked by their manifest's creation time, newest first; a tag
// with an unknown time ranks first and is always kept. A tag is pruned when it is not among the
// keep_tag_revisions newest AND is older than keep_younger_than; every other tag is kept.
// keep_tag_revisions 0 keeps nothing by rank, so only age protects.
//
// A digest is deleted only when no kept tag points at it and no kept index references it
// (directly or through a nested index): deleting by digest removes every tag on it, so a digest
// shared by a kept and a pruned tag is kept, pruned tag included. The children of a deleted
// index are deleted too when nothing kept references them.
//
// Out of scope: manifests no tag points at (pushed by digest, or left behind by a re-tag). The
// API v2 does not list them, so they are neither planned nor counted; the registry's own
// `garbage-collect --delete-untagged` removes them.
PrunePlan planPrune(const Inventory& inventory, const PrunePolicy& policy);

}  // namespace oci

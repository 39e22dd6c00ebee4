#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oci {

using TimePoint = std::chrono::system_clock::time_point;

// What the registry holds, as far as the pruner needs it: the input of planPrune
// (prune_plan.h), gathered by collectInventory (collect_inventory.h). Plain data, so that the
// planner is a pure function and tests can write inventories by hand.

struct BlobRef {
  std::string digest;
  std::int64_t size = 0;
};

struct ManifestInfo {
  std::string media_type;
  std::int64_t size = 0;  // the manifest's own bytes
  // An image's config `created`; an index's is the newest of its children's. Empty when unknown
  // (no `created`, an unreadable config or manifest, an index without a readable child): the
  // pruner keeps what it cannot date.
  std::optional<TimePoint> created;
  std::vector<std::string> children;  // an index's manifests, by digest
  std::vector<BlobRef> blobs;         // an image's config and layers
  std::string note;                   // why something is unknown, for the plan's text
};

struct RepositoryInventory {
  std::string name;
  std::map<std::string, std::string> tags;  // tag → manifest digest
  // Every manifest a tag points at, and every child of an index that could be read.
  std::map<std::string, ManifestInfo> manifests;
};

using Inventory = std::vector<RepositoryInventory>;

}  // namespace oci

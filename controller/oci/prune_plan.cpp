#include "oci/prune_plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "oci/media_types.h"
#include "runtime/time_format.h"

namespace oci {

namespace {

// "1h30m", "90s", "250ms", "0s": the policy's age limit as a person wrote it.
std::string formatDuration(std::chrono::milliseconds duration) {
  std::int64_t ms = duration.count();
  if (ms <= 0) return "0s";
  std::string text;
  const std::pair<std::int64_t, const char*> units[] = {
      {3600 * 1000, "h"}, {60 * 1000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [size, name] : units) {
    if (ms >= size) {
      text += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return text;
}

struct RankedTag {
  std::string tag;
  std::string digest;
  std::optional<TimePoint> created;
};

const ManifestInfo* find(const RepositoryInventory& repository, const std::string& digest) {
  auto it = repository.manifests.find(digest);
  return it == repository.manifests.end() ? nullptr : &it->second;
}

// Newest first; unknown times before all (they are kept); ties by tag, so plans are stable.
std::vector<RankedTag> rankTags(const RepositoryInventory& repository) {
  std::vector<RankedTag> ranked;
  for (const auto& [tag, digest] : repository.tags) {
    const ManifestInfo* info = find(repository, digest);
    ranked.push_back(RankedTag{tag, digest, info ? info->created : std::nullopt});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const RankedTag& a, const RankedTag& b) {
    if (a.created.has_value() != b.created.has_value()) return !a.created.has_value();
    if (a.created && *a.created != *b.created) return *a.created > *b.created;
    return false;  // std::map gave them in tag order
  });
  return ranked;
}

class RepositoryPlanner {
 public:
  RepositoryPlanner(const RepositoryInventory& repository, const PrunePolicy& policy)
      : repository_(repository), policy_(policy) {
    for (const auto& [tag, digest] : repository.tags) tags_of_[digest].push_back(tag);
  }

  RepositoryPlan plan() {
    decideTags();
    keepWhatKeptIndexesReference();
    deleteCandidatesAndOrphanedChildren();
    return render();
  }

  // Blob digests (manifests included, as they are blobs in the registry's storage) with their
  // sizes, of the manifests this plan deletes and of those it keeps.
  void accountBlobs(std::map<std::string, std::int64_t>& deleted, std::set<std::string>& kept) {
    for (const auto& [digest, info] : repository_.manifests) {
      if (delete_reason_.count(digest) != 0) {
        deleted[digest] = info.size;
        for (const BlobRef& blob : info.blobs) deleted[blob.digest] = blob.size;
      } else {
        // Kept, or neither (a manifest the plan does not touch): its blobs stay.
        kept.insert(digest);
        for (const BlobRef& blob : info.blobs) kept.insert(blob.digest);
      }
    }
  }

 private:
  void decideTags() {
    const auto keep = std::max<std::int64_t>(policy_.keep_tag_revisions, 0);
    const std::string limit = formatDuration(policy_.keep_younger_than);
    std::int64_t rank = 0;
    for (const RankedTag& tag : rankTags(repository_)) {
      std::string reason;
      if (!tag.created) {
        const ManifestInfo* info = find(repository_, tag.digest);
        reason = "tag " + tag.tag + ": creation time unknown" +
                 (info && !info->note.empty() ? " (" + info->note + ")" : "");
      } else if (rank < keep) {
        reason = "tag " + tag.tag + " is one of the " + std::to_string(keep) + " newest";
      } else if (isYounger(*tag.created)) {
        reason = "tag " + tag.tag + " is younger than " + limit;
      }
      ++rank;
      if (!reason.empty()) {
        kept_reason_.emplace(tag.digest, reason);
      } else {
        candidate_reason_.emplace(tag.digest, "created " + runtime::formatTime(*tag.created) +
                                                  ", older than " + limit + " and not among the " +
                                                  std::to_string(keep) + " newest tags");
      }
    }
  }

  // In whole seconds, which cannot overflow whatever year a config claims.
  bool isYounger(TimePoint created) const {
    using std::chrono::duration_cast;
    using std::chrono::seconds;
    const auto age = duration_cast<seconds>(policy_.now.time_since_epoch()) -
                     duration_cast<seconds>(created.time_since_epoch());
    return age < duration_cast<seconds>(policy_.keep_younger_than);
  }

  // Walks down the indexes from `pending`: `visit(child, parent)` says whether to go on below
  // the child (false: already seen, or not to be followed).
  template <class Visit>
  void walkChildren(std::vector<std::string> pending, Visit visit) const {
    while (!pending.empty()) {
      std::string digest = pending.back();
      pending.pop_back();
      const ManifestInfo* info = find(repository_, digest);
      if (info == nullptr) continue;
      for (const std::string& child : info->children) {
        if (visit(child, digest)) pending.push_back(child);
      }
    }
  }

  void keepWhatKeptIndexesReference() {
    std::vector<std::string> kept;
    for (const auto& [digest, reason] : kept_reason_) kept.push_back(digest);
    walkChildren(std::move(kept), [this](const std::string& child, const std::string& index) {
      return kept_reason_.emplace(child, "referenced by kept index " + index).second;
    });
  }

  void deleteCandidatesAndOrphanedChildren() {
    std::vector<std::string> deleted;
    for (const auto& [digest, reason] : candidate_reason_) {
      // A digest a kept tag or index holds stays, with every tag on it.
      if (kept_reason_.count(digest) != 0) continue;
      delete_reason_.emplace(digest, reason);
      deleted.push_back(digest);
    }
    walkChildren(std::move(deleted), [this](const std::string& child, const std::string& index) {
      if (kept_reason_.count(child) != 0 || find(repository_, child) == nullptr) return false;
      return delete_reason_.emplace(child, "referenced only by deleted index " + index).second;
    });
  }

  PlannedManifest planned(const std::string& digest, const std::string& reason) const {
    const ManifestInfo* info = find(repository_, digest);
    auto tags = tags_of_.find(digest);
    return PlannedManifest{digest, info ? info->media_type : "",
                           tags == tags_of_.end() ? std::vector<std::string>() : tags->second,
                           reason};
  }

  RepositoryPlan render() const {
    RepositoryPlan plan;
    plan.name = repository_.name;
    for (const auto& [digest, reason] : delete_reason_)
      plan.deletions.push_back(planned(digest, reason));
    std::stable_partition(plan.deletions.begin(), plan.deletions.end(),
                          [](const PlannedManifest& m) { return isIndexMediaType(m.media_type); });
    for (const auto& [digest, reason] : kept_reason_) {
      // A kept index may name a child that was never pushed: nothing to keep there.
      if (find(repository_, digest) != nullptr || tags_of_.count(digest) != 0) {
        plan.kept.push_back(planned(digest, reason));
      }
    }
    return plan;
  }

  const RepositoryInventory& repository_;
  const PrunePolicy& policy_;
  std::map<std::string, std::vector<std::string>> tags_of_;  // digest → tags, in tag order
  std::map<std::string, std::string> kept_reason_;           // digest → the first reason
  std::map<std::string, std::string> candidate_reason_;      // digests of tags past the policy
  std::map<std::string, std::string> delete_reason_;
};

}  // namespace

std::size_t PrunePlan::deletionCount() const {
  std::size_t count = 0;
  for (const RepositoryPlan& repository : repositories) count += repository.deletions.size();
  return count;
}

PrunePlan planPrune(const Inventory& inventory, const PrunePolicy& policy) {
  PrunePlan plan;
  std::map<std::string, std::int64_t> deleted_blobs;
  std::set<std::string> kept_blobs;
  for (const RepositoryInventory& repository : inventory) {
    RepositoryPlanner planner(repository, policy);
    plan.repositories.push_back(planner.plan());
    planner.accountBlobs(deleted_blobs, kept_blobs);
  }
  // Blobs are shared across repositories in the registry's storage: one that a kept manifest of
  // any repository references is not freed.
  for (const auto& [digest, size] : deleted_blobs) {
    if (kept_blobs.count(digest) == 0) plan.bytes_freeable += size;
  }
  return plan;
}

}  // namespace oci

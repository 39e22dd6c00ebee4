#include "oci/collect_inventory.h"

#include <algorithm>

#include "oci/image_config.h"
#include "oci/manifest.h"
#include "oci/names.h"

namespace oci {

namespace {

// Indexes of indexes exist (rarely); deeper than this is a loop or an attack, not an image.
constexpr int kMaxIndexDepth = 4;

// Errors about one manifest or blob, after which the walk goes on (that manifest is kept), as
// against errors about the registry itself (transport, authentication, 5xx), which end it.
bool concernsOneObject(const kube::Error& error) {
  return error.is(kube::ErrorKind::Decode) || error.is(kube::ErrorKind::NotFound) ||
         error.is(kube::ErrorKind::BadRequest) || error.is(kube::ErrorKind::Invalid);
}

class Collector {
 public:
  Collector(RegistryClient& client, RepositoryInventory& repository)
      : client_(client), repository_(repository) {}

  // Reads manifest `digest`, and what it references, into the repository's manifests.
  kube::Result<void> visit(const std::string& digest, int depth) {
    if (repository_.manifests.count(digest) != 0) return {};  // seen (also ends a cycle)
    // std::map keeps references valid while the recursion below inserts.
    ManifestInfo& info = repository_.manifests[digest];
    auto fetched = client_.getManifest(repository_.name, digest);
    if (!fetched) {
      if (!concernsOneObject(fetched.error())) return fetched.error();
      info.note = fetched.error().message();
      return {};
    }
    info.size = static_cast<std::int64_t>(fetched->body.size());
    info.media_type = fetched->media_type;
    auto manifest = parseManifest(fetched->body, fetched->media_type);
    if (!manifest) {
      info.note = "manifest: " + manifest.error().message();
      return {};
    }
    info.media_type = manifest->media_type;
    if (manifest->isIndex()) return visitIndex(info, *manifest, depth);
    return readImage(info, *manifest);
  }

 private:
  kube::Result<void> readImage(ManifestInfo& info, const Manifest& manifest) {
    info.blobs.push_back(BlobRef{manifest.config.digest, manifest.config.size});
    for (const Descriptor& layer : manifest.layers) {
      info.blobs.push_back(BlobRef{layer.digest, layer.size});
    }
    auto config = client_.getBlob(repository_.name, manifest.config.digest);
    if (!config) {
      if (!concernsOneObject(config.error())) return config.error();
      info.note = "config: " + config.error().message();
      return {};
    }
    auto created = parseImageCreated(*config);
    if (!created) {
      info.note = "config: " + created.error().message();
    } else if (!*created) {
      info.note = "config: no created time";
    } else {
      info.created = **created;
    }
    return {};
  }

  kube::Result<void> visitIndex(ManifestInfo& info, const Manifest& manifest, int depth) {
    if (depth >= kMaxIndexDepth) {
      info.note = "index nested deeper than " + std::to_string(kMaxIndexDepth);
      return {};
    }
    for (const IndexEntry& entry : manifest.manifests) {
      info.children.push_back(entry.descriptor.digest);
      if (auto visited = visit(entry.descriptor.digest, depth + 1); !visited) return visited;
    }
    // The newest child dates the index: an index is as young as its last-built platform.
    for (const std::string& child : info.children) {
      const auto& created = repository_.manifests.at(child).created;
      if (created && (!info.created || *created > *info.created)) info.created = created;
    }
    if (!info.created) info.note = "no child manifest has a creation time";
    return {};
  }

  RegistryClient& client_;
  RepositoryInventory& repository_;
};

}  // namespace

kube::Result<Inventory> collectInventory(RegistryClient& client, const ProgressSink& progress) {
  auto names = client.catalog();
  if (!names) return names.error().withContext("listing the repositories");
  Inventory inventory;
  for (const std::string& name : *names) {
    if (!isValidRepositoryName(name)) {
      progress("skipping repository \"" + name + "\": not a valid repository name");
      continue;
    }
    RepositoryInventory repository;
    repository.name = name;
    auto tags = client.tags(name);
    if (!tags) return tags.error().withContext("listing the tags of " + name);
    Collector collector(client, repository);
    for (const std::string& tag : *tags) {
      if (!isValidTag(tag)) {
        progress(name + ": skipping tag \"" + tag + "\": not a valid tag");
        continue;
      }
      auto head = client.headManifest(name, tag);
      if (!head) {
        if (head.error().is(kube::ErrorKind::NotFound)) {
          progress(name + ":" + tag + " is gone (deleted while listing)");
          continue;
        }
        return head.error().withContext("reading " + name + ":" + tag);
      }
      repository.tags[tag] = head->digest;
      if (auto visited = collector.visit(head->digest, 0); !visited) {
        return visited.error().withContext("reading " + name + ":" + tag);
      }
    }
    progress(name + ": " + std::to_string(repository.tags.size()) + " tags, " +
             std::to_string(repository.manifests.size()) + " manifests");
    inventory.push_back(std::move(repository));
  }
  return inventory;
}

}  // namespace oci

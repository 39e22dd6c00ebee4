#include "oci/mirror_image.h"

#include <set>

#include "oci/manifest.h"
#include "oci/media_types.h"

namespace oci {

namespace {

// An index of indexes is legal; deeper than this is no image anyone builds.
constexpr int kMaxIndexDepth = 4;

// Layers a client fetches from the descriptor's URLs, not from the registry: docker's foreign
// layers and OCI's non-distributable ones. Registries accept manifests that name them without
// holding the blobs.
bool isForeignLayer(const std::string& media_type) {
  return media_type.find(".foreign.") != std::string::npos ||
         media_type.find(".nondistributable.") != std::string::npos;
}

std::string shortDigest(const std::string& digest) {
  return digest.size() > 19 ? digest.substr(0, 19) + "..." : digest;
}

// One tag's copy: the blobs and manifests known to be in the target repository, so that a layer
// two children share is looked at once.
class TagCopy {
 public:
  TagCopy(const MirrorRoute& route, const std::string& tag, const ProgressSink& progress)
      : route_(route), progress_(progress) {
    result_.tag = tag;
  }

  kube::Result<MirroredTag> run() {
    const std::string& tag = result_.tag;
    auto head = route_.source->headManifest(route_.source_repository, tag);
    if (!head && head.error().is(kube::ErrorKind::NotFound)) {
      // A HEAD's 404 has no body to say so.
      return fromSource(
          head.error().withMessage(head.error().message() + " (no such tag or repository)"));
    }
    if (!head) return fromSource(head.error());
    result_.digest = head->digest;
    auto existing = route_.target->headManifest(route_.target_repository, tag);
    if (!existing && !existing.error().is(kube::ErrorKind::NotFound)) {
      return fromTarget(existing.error());
    }
    if (existing && existing->digest == head->digest) {
      say("unchanged at " + shortDigest(head->digest));
      return result_;
    }
    auto fetched = route_.source->getManifest(route_.source_repository, head->digest);
    if (!fetched) return fromSource(fetched.error());
    auto manifest = parse(*fetched);
    if (!manifest) return manifest.error();
    auto there = targetHas(head->digest);
    if (!there) return there.error();
    if (!*there) {
      if (auto copied = copyReferences(*manifest, head->digest, 0); !copied) return copied.error();
    }
    auto put = route_.target->putManifest(route_.target_repository, tag, manifest->media_type,
                                          fetched->body);
    if (!put) return fromTarget(put.error());
    result_.imported = true;
    say("imported " + head->digest +
        (existing ? " (was " + shortDigest(existing->digest) + ")" : std::string(" (new tag)")));
    return result_;
  }

 private:
  void say(const std::string& line) const {
    if (progress_) progress_(result_.tag + ": " + line);
  }
  kube::Error fromSource(const kube::Error& error) const {
    return error.withContext("source " + route_.source->origin());
  }
  kube::Error fromTarget(const kube::Error& error) const {
    return error.withContext("target " + route_.target->origin());
  }

  kube::Result<Manifest> parse(const FetchedManifest& fetched) const {
    auto manifest = parseManifest(fetched.body, fetched.media_type);
    if (!manifest) {
      return fromSource(manifest.error().withContext("the manifest " + route_.source_repository +
                                                     "@" + fetched.digest));
    }
    return manifest;
  }

  // Whether the target repository has the manifest `digest`. When it does, so does it have all
  // that manifest refers to: the registry checked that when the manifest was put.
  kube::Result<bool> targetHas(const std::string& digest) const {
    auto head = route_.target->headManifest(route_.target_repository, digest);
    if (head) return true;
    if (head.error().is(kube::ErrorKind::NotFound)) return false;
    return fromTarget(head.error());
  }

  // What `manifest` refers to, into the target repository: an index's children, an image's
  // config and layers.
  kube::Result<void> copyReferences(const Manifest& manifest, const std::string& digest,
                                    int depth) {
    if (!manifest.isIndex()) {
      if (auto copied = copyBlob(manifest.config); !copied) return copied;
      for (const Descriptor& layer : manifest.layers) {
        if (auto copied = copyBlob(layer); !copied) return copied;
      }
      return {};
    }
    if (depth == kMaxIndexDepth) {
      return kube::Error(kube::ErrorKind::Decode,
                         "source " + route_.source->origin() + ": the index " + digest +
                             " nests indexes deeper than " + std::to_string(kMaxIndexDepth));
    }
    for (const IndexEntry& entry : manifest.manifests) {
      if (auto copied = copyChild(entry.descriptor.digest, depth + 1); !copied) return copied;
    }
    return {};
  }

  // A child of an index, by digest, unless the target repository has it.
  kube::Result<void> copyChild(const std::string& digest, int depth) {
    if (!copied_manifests_.insert(digest).second) return {};
    auto there = targetHas(digest);
    if (!there) return there.error();
    if (*there) return {};
    auto fetched = route_.source->getManifest(route_.source_repository, digest);
    if (!fetched) return fromSource(fetched.error());
    auto manifest = parse(*fetched);
    if (!manifest) return manifest.error();
    if (auto copied = copyReferences(*manifest, digest, depth); !copied) return copied;
    auto put = route_.target->putManifest(route_.target_repository, digest, manifest->media_type,
                                          fetched->body);
    if (!put) return fromTarget(put.error());
    say("copied the index's manifest " + shortDigest(digest));
    return {};
  }

  kube::Result<void> copyBlob(const Descriptor& blob) {
    if (present_blobs_.count(blob.digest)) return {};
    if (isForeignLayer(blob.media_type)) {
      say("not copying the foreign layer " + shortDigest(blob.digest));
      return {};
    }
    auto has = route_.target->hasBlob(route_.target_repository, blob.digest);
    if (!has) return fromTarget(has.error());
    if (!*has) {
      auto mounted = mount(blob);
      if (!mounted) return mounted.error();
      if (!*mounted) {
        // Verified against its sha256 digest as it is read (RegistryClient::getBlob).
        auto bytes = route_.source->getBlob(route_.source_repository, blob.digest);
        if (!bytes) return fromSource(bytes.error());
        auto uploaded = route_.target->uploadBlob(route_.target_repository, blob.digest, *bytes);
        if (!uploaded) return fromTarget(uploaded.error());
        ++result_.blobs_copied;
        result_.bytes_copied += static_cast<std::int64_t>(bytes->size());
        say("copied " + shortDigest(blob.digest) + " (" + std::to_string(bytes->size()) +
            " bytes)");
      }
    }
    present_blobs_.insert(blob.digest);
    return {};
  }

  kube::Result<bool> mount(const Descriptor& blob) {
    for (const std::string& from : route_.mount_from) {
      if (from == route_.target_repository) continue;
      auto mounted = route_.target->mountBlob(route_.target_repository, blob.digest, from);
      if (!mounted) return fromTarget(mounted.error());
      if (*mounted) {
        ++result_.blobs_mounted;
        say("mounted " + shortDigest(blob.digest) + " from " + from);
        return true;
      }
    }
    return false;
  }

  const MirrorRoute& route_;
  const ProgressSink& progress_;
  MirroredTag result_;
  std::set<std::string> present_blobs_;
  std::set<std::string> copied_manifests_;
};

}  // namespace

kube::Result<MirroredTag> mirrorTag(const MirrorRoute& route, const std::string& tag,
                                    const ProgressSink& progress) {
  return TagCopy(route, tag, progress).run();
}

}  // namespace oci

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kube/result.h"
#include "oci/progress.h"
#include "oci/registry_client.h"

namespace oci {

// Where `mirrorTag` copies from and to: a repository of the source registry into one of the
// target registry (the operator's), as OKD's ImageStream import does. The clients are the
// caller's and outlive the copy.
struct MirrorRoute {
  RegistryClient* source = nullptr;
  std::string source_repository;  // "library/busybox"
  RegistryClient* target = nullptr;
  std::string target_repository;  // "mirror/busybox"
  // Repositories of the target registry to mount a missing blob from, tried in order before it
  // is read from the source: a layer another mirror already copied then costs no transfer.
  std::vector<std::string> mount_from;
};

// What copying one tag did.
struct MirroredTag {
  std::string tag;
  std::string digest;     // of the manifest the tag points at, the same in both registries
  bool imported = false;  // false: the target's tag already had this digest, nothing was copied
  int blobs_copied = 0;   // read from the source and uploaded
  int blobs_mounted = 0;  // mounted from a `mount_from` repository
  std::int64_t bytes_copied = 0;
};

// Copies `tag` of the source repository to the same tag of the target repository, with the
// exact bytes of every manifest, so that digests are equal:
// - HEAD of the tag at the source (its digest) and at the target: equal digests, and nothing
//   is copied (imported false);
// - otherwise the manifest by digest (all four media types). Unless the target repository has
//   it by digest already: for an index (OCI index, Docker manifest list) each child manifest
//   first, by digest (nested indexes too, up to 4 levels); for each image manifest its config
//   and layer blobs the target lacks (HEAD), mounted from a `mount_from` repository when one
//   has it, else read from the source (its sha256 checked against the digest) and uploaded;
//   foreign and non-distributable layers (Windows base layers, fetched from their URLs) are not
//   copied, as docker and skopeo do not push them either;
// - last the manifest by tag.
// Known limit: each blob is held in memory between its download and its upload, so a layer
// needs as much memory as it is large.
// Errors say which side failed ("source https://...: GET ...: 404 ..."), keeping the kind
// (Transport, Unauthorized, NotFound) the caller decides the exit code by.
kube::Result<MirroredTag> mirrorTag(const MirrorRoute& route, const std::string& tag,
                                    const ProgressSink& progress);

}  // namespace oci

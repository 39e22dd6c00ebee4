#pragma once

#include <string>
#include <vector>

#include "kube/result.h"

namespace registry {

// The registry's CA on a node, for the three container tools that may pull there, under `root`
// (the node's / as this pod mounts it, e.g. /host; tests use a temporary directory):
//   <root>/etc/docker/certs.d/<host>/ca.crt        docker
//   <root>/etc/containers/certs.d/<host>/ca.crt    podman, CRI-O, skopeo, buildah
//   <root>/etc/containerd/certs.d/<host>/ca.crt    containerd (hosts.toml names it)
//   <root>/etc/containerd/certs.d/<host>/hosts.toml
// Files are 0644 in 0755 directories, written atomically and only when their content differs,
// so a node at rest sees no writes. Each host directory it creates carries an ownership marker
// (ownership_marker.h) naming `owner`; only directories with this owner's marker are ever
// changed or removed. An existing host directory without it (an administrator's) or with
// another owner's is left alone and reported.

// One certs.d tree: where it is under the node's / and the files written in each host directory.
struct CertsDTree {
  std::string dir;                 // "/etc/docker/certs.d"
  std::vector<std::string> files;  // "ca.crt", "hosts.toml"
};
const std::vector<CertsDTree>& certsDTrees();

// What a sync did. Paths are full paths under `root`.
struct NodeTrustReport {
  std::vector<std::string> changes;    // "wrote P", "created P", "removed P"
  std::vector<std::string> conflicts;  // directories left alone, and why
  std::vector<kube::Error> failures;   // each names the path and the failed operation
  bool ok() const { return failures.empty(); }
};

// Makes `root`'s certs.d trees trust `ca_pem` for exactly `hosts` on behalf of `owner`: writes
// what differs for each host, and removes this owner's directories of hosts no longer listed
// (the files it wrote, then the directory if that leaves it empty; a directory that still holds
// someone else's files is reported and left to them). A failure for one host or tree does not
// stop the others. `root` must exist; the certs.d directories are created when missing.
NodeTrustReport syncNodeTrust(const std::string& root, const std::string& owner,
                              const std::vector<std::string>& hosts, const std::string& ca_pem);

// Removes everything `owner` wrote in `root`'s certs.d trees (syncNodeTrust with no hosts,
// needing no CA).
NodeTrustReport removeNodeTrust(const std::string& root, const std::string& owner);

}  // namespace registry

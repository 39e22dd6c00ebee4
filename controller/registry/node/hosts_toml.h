#pragma once

#include <string>

namespace registry {

// containerd's registry host configuration (docs/hosts.md of containerd 1.5 and later, read from
// `config_path`, e.g. /etc/containerd/certs.d/<host>/hosts.toml): `server` is the registry
// itself, and one `[host."https://<host>"]` table trusts `ca_path` for it, for pulls and for
// resolving tags. containerd reads these files at every pull, so no restart is needed.
//
// `ca_path` is the CA file's path as the node sees it (/etc/containerd/certs.d/<host>/ca.crt),
// not as this pod's mount shows it: containerd on the node opens it. `host` must have passed
// checkRegistryHost (node_names.h), so it needs no TOML escaping.
std::string containerdHostsToml(const std::string& host, const std::string& ca_path);

}  // namespace registry

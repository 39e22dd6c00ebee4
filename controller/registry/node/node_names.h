#pragma once

#include <string>

#include "kube/result.h"

namespace registry {

// The names `registry-operator node-ca` writes into a node's files: each ends up in a path
// (certs.d/<host>), in TOML strings (hosts.toml) or in /etc/hosts lines, as root, so each is
// checked against a strict character set before anything is written: a name must not be able to
// climb out of a directory, open a new TOML key or add a line to /etc/hosts.

// A registry host as containerd, docker and podman name their certs.d directories: host[:port],
// the host a DNS name, an IPv4 address or a bracketed IPv6 address ("[fd00::1]:5000").
kube::Result<void> checkRegistryHost(const std::string& host);

// The owner of the files, "namespace/name" of the RegistryConfig (both DNS-1123 subdomains).
kube::Result<void> checkOwner(const std::string& owner);

// One /etc/hosts entry: `ip` an IPv4 or IPv6 address, `name` a DNS name (no port).
kube::Result<void> checkHostsEntry(const std::string& ip, const std::string& name);

}  // namespace registry

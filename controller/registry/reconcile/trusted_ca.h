#pragma once

#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/object.h"
#include "kube/result.h"
#include "registry/api/registry_config.h"

namespace registry {

// `registry-operator ca`: the CA bundle that clients must trust to reach a registry, and the
// podman/docker `certs.d` files that carry it. The pure parts are separate from the part that
// reads the cluster so that every message can be tested without one.

// One file to write: `path` is relative to the certs.d directory ("<host>/ca.crt").
struct CaFile {
  std::string path;
  std::string content;
  bool operator==(const CaFile&) const = default;
};

// The CA bundle (one or more PEM certificates, all of them: during a rotation the old and the
// new CA) for `config`, from the object that holds it:
//  - tls Auto: ConfigMap N-ca (`ca_config_map`), key ca.crt, or service-ca.crt on OpenShift;
//  - tls Secret: the user's Secret spec.tls.secretName (`tls_secret`), key ca.crt;
//  - tls Disabled: an Error, the registry serves plain HTTP.
// A null pointer means the object does not exist. Errors (kind Config) are one-line messages
// naming the object and key. The bundle ends with a newline.
kube::Result<std::string> caBundleFrom(const RegistryConfig& config,
                                       const kube::Json* ca_config_map,
                                       const kube::Json* tls_secret);

// The hosts clients reach the registry by, in this order and without duplicates: the internal
// one (status.internalHostname, or "N.S.svc:5000" as the builders compute it when status has
// none yet), then each of status.externalHostnames as given. `status` may be null.
std::vector<std::string> registryHosts(const RegistryConfig& config, const kube::Json& status);

// "<host>/ca.crt" for every host of registryHosts: the layout of podman's and docker's certs.d
// (a directory named host[:port]). An Error names a host that is not usable as a directory name
// (empty, ".", "..", or containing '/', '\\', whitespace or control characters).
kube::Result<std::vector<CaFile>> certsDFiles(const RegistryConfig& config,
                                              const kube::Json& status,
                                              const std::string& ca_bundle);

// What the cluster says: the RegistryConfig `name` in `ns` (parsed), its status, and its CA
// bundle (caBundleFrom over the object it names). Errors are one-line messages naming the object
// (not found, forbidden, unreachable server, invalid spec).
struct TrustedCa {
  RegistryConfig config;
  kube::Json status;
  std::string caBundle;
};
kube::Result<TrustedCa> fetchTrustedCa(const kube::ClientPtr& client, const std::string& ns,
                                       const std::string& name);

// Writes `files` under `dir`: directories created as needed with mode 0755, each file written to
// a temporary name, flushed, set to mode 0644 and renamed over the target, so a reader never sees
// half a file (runtime/atomic_file.h). Returns the full paths written, in order. Stops at the
// first failure.
kube::Result<std::vector<std::string>> writeCaFiles(const std::string& dir,
                                                    const std::vector<CaFile>& files);

}  // namespace registry

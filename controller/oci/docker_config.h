#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "kube/result.h"
#include "oci/credentials.h"

namespace oci {

// A pull secret's `.dockerconfigjson` (Kubernetes' kubernetes.io/dockerconfigjson Secret, and
// docker's config.json):
//   {"auths": {"quay.io": {"auth": "<base64 of user:password>"},
//              "https://index.docker.io/v1/": {"username": "u", "password": "p"}}}
// `auth`, when present, wins over `username` and `password`, as in docker and the kubelet.
// Other members (email, identitytoken, credsStore...) are ignored.
struct DockerConfig {
  // By registry host as normalizeRegistryHost() gives it.
  std::map<std::string, Credentials> auths;
};

// Errors (kind Config) start with `file` and name the JSON path
// (`auths["quay.io"].auth: is not base64`); they never quote a password, an auth value or any
// other part of the document, which is a secret.
kube::Result<DockerConfig> parseDockerConfig(std::string_view json, const std::string& file);

// The registry host a key of `auths` names: the scheme and any path dropped, and Docker Hub's
// names ("index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/") as
// "docker.io", as ImageReference::host has it. "https://Quay.io/" → "quay.io".
std::string normalizeRegistryHost(std::string_view key);

// The credentials for `host` (an ImageReference::host), or nothing (anonymous).
std::optional<Credentials> credentialsFor(const DockerConfig& config, std::string_view host);

}  // namespace oci

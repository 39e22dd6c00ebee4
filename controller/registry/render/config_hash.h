#pragma once

#include <string>

#include "kube/object.h"
#include "registry/api/registry_config.h"
#include "registry/render/inputs.h"

namespace registry {

// Everything the registry pods read, in one canonical JSON document: the rendered config.yml
// (which already holds the merged user bundle), the httpSecret, the TLS material, the htpasswd
// file, the token certificate bundle and the storage credentials. Object keys are sorted
// (nlohmann::json stores objects in std::map), so the same inputs always serialize to the same
// bytes, whatever order the user wrote their bundle in.
kube::Json canonicalPodInputs(const kube::Json& rendered_config, const RegistryConfig& config,
                              const Inputs& inputs);

// SHA-256 (hex) of canonicalPodInputs: the `imageregistry.io/config-hash` pod template
// annotation and status.configHash. Any change to what pods read changes it, which rolls the
// Deployment; nothing else does.
std::string configHash(const kube::Json& rendered_config, const RegistryConfig& config,
                       const Inputs& inputs);

}  // namespace registry

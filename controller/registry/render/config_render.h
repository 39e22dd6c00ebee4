#pragma once

#include <string>

#include "kube/object.h"
#include "kube/result.h"
#include "registry/api/registry_config.h"
#include "registry/render/inputs.h"

namespace registry {

// The httpSecret the registry uses: spec.httpSecret when set, else the generated one.
const std::string& effectiveHttpSecret(const RegistryConfig& config, const Inputs& inputs);

// distribution's config.yml (as JSON) derived from the spec alone: log level, storage driver,
// delete enabled, read-only mode, redirects, listener and TLS, headers, health checks, auth.
kube::Json renderBaseConfig(const RegistryConfig& config, const Inputs& inputs);

// Lays the user's config bundle (the text of `config.yml` from spec.configBundleSecret) over
// `base` as a JSON merge patch (RFC 7386: maps merge key by key; scalars and lists replace; a
// null deletes the key, so a bundle can switch off a rendered section). When the bundle names a
// storage driver, the rendered driver is dropped first so that the registry does not see two.
// Malformed YAML or a bundle that is not a mapping gives an Error of kind Invalid naming
// spec.configBundleSecret and `key` (the Secret key the bundle came from; empty: config.yml);
// nothing throws.
kube::Result<kube::Json> mergeConfigBundle(const kube::Json& base, const std::string& bundle,
                                           const std::string& key = {});

// renderBaseConfig, then mergeConfigBundle when Inputs carries a bundle: what the pods read.
kube::Result<kube::Json> renderConfig(const RegistryConfig& config, const Inputs& inputs);

}  // namespace registry

#pragma once

#include <vector>

#include "registry/api/registry_config.h"
#include "registry/render/registry_status.h"

namespace registry {

// Parts of the API that the schema accepts but this version of the operator does not carry out
// (yet), for this CR. Each one is reported as a Problem with a reason of its own, so that the CR
// is Degraded and says what to change, instead of the setting being silently ignored; the rest
// of the CR is still applied as usual. Empty when everything the spec asks for is implemented.
std::vector<Problem> unsupportedFeatures(const RegistryConfig& config);

// Whether the operator's jobs (the pruner, the mirrors) can log in to the registry: they have
// no credentials yet, so only a registry without auth. Their CronJobs are not built otherwise,
// and unsupportedFeatures says why.
bool jobsCanAuthenticate(const RegistryConfig& config);

// Settings that work but that an administrator must not miss (a mirror read over plain HTTP):
// Warning Events, not Degraded.
std::vector<Problem> riskySettings(const RegistryConfig& config);

// The CronJobs the operator wants for this CR (see builders.h).
bool prunerWanted(const RegistryConfig& config);
bool mirrorsWanted(const RegistryConfig& config);

}  // namespace registry

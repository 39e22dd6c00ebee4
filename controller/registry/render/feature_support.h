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

// Whether the operator's jobs (the pruner, the mirrors) can log in to the registry: without
// auth, or with auth Htpasswd, where they have a user of their own (jobsNeedCredentials). Not
// with auth Kubernetes yet (their ServiceAccount would need rights in every namespace): their
// CronJobs are not built then, and unsupportedFeatures says why.
bool jobsCanAuthenticate(const RegistryConfig& config);

// Whether the jobs log in as the operator's own htpasswd user (Secret N-jobs-credentials, whose
// entry the registry's htpasswd holds): auth Htpasswd while the pruner or a mirror is wanted.
bool jobsNeedCredentials(const RegistryConfig& config);

// Settings that work but that an administrator must not miss (a mirror read over plain HTTP):
// Warning Events, not Degraded.
std::vector<Problem> riskySettings(const RegistryConfig& config);

// The CronJobs the operator wants for this CR (see builders.h).
bool prunerWanted(const RegistryConfig& config);
bool mirrorsWanted(const RegistryConfig& config);

}  // namespace registry

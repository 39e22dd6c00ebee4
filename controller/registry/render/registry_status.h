#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kube/object.h"
#include "registry/api/registry_config.h"

namespace registry {

// A problem that makes the registry Degraded, in the words of a status condition.
struct Problem {
  std::string reason;   // CamelCase: InvalidSpec, ConfigBundleMissing, IngressDomainMissing...
  std::string message;  // names the field or object; never contains secret values
};

// What the reconciler observed, for computeStatus. Everything is read from the caches.
struct StatusObservation {
  long long generation = 0;
  ManagementState managementState = ManagementState::Managed;
  const kube::Json* deployment = nullptr;  // live Deployment N, or null
  std::vector<Problem> problems;           // empty: nothing wrong
  bool specInvalid = false;                // problems are spec errors: nothing was applied
  std::string internalHostname;
  std::vector<std::string> externalHostnames;
  std::string configHash;
  bool storageManaged = false;
};

// The new `status` of a RegistryConfig: conditions Available, Progressing and Degraded (with
// lastTransitionTime kept from `previous` unless a status flips), readyReplicas, hostnames,
// configHash, storageManaged and observedGeneration. Pure: the same inputs give the same status.
kube::Json computeStatus(const kube::Json& previous, const StatusObservation& observed,
                         std::chrono::system_clock::time_point now);

// Whether writing `next` over `previous` would change anything but condition timestamps.
bool statusChanged(const kube::Json& previous, const kube::Json& next);

}  // namespace registry

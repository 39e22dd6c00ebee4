#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kube/object.h"
#include "kube/result.h"
#include "registry/render/platform.h"

namespace registry {

// runAsUser, runAsGroup and fsGroup of a pod (fsGroup = group, so volumes are writable).
struct PodIdentity {
  std::int64_t user = 0;
  std::int64_t group = 0;
  bool operator==(const PodIdentity&) const = default;
};

// The one place that decides who the operator's pods run as: the flags when given, otherwise
// kDefaultRunAsUser on Kubernetes and nothing on OpenShift (its restricted SCC assigns a UID from
// the namespace's range and refuses pods that pick their own). std::nullopt: set no numbers.
std::optional<PodIdentity> podIdentity(const PlatformOptions& platform);

// Reads --run-as-user and --run-as-group (empty: not given). The user is a UID from 1 to
// 2147483647 (0 would fail runAsNonRoot), or `auto` / `platform` to let the platform choose; the
// group is a GID from 0 and needs a numeric --run-as-user. An Error of kind Config names the flag.
kube::Result<RunAs> parseRunAs(const std::string& user_flag, const std::string& group_flag);

// Security contexts meeting the "restricted" Pod Security Standard, shared by every pod the
// operator runs (registry, pruner).
kube::Json restrictedPodSecurityContext(const PlatformOptions& platform);
kube::Json restrictedContainerSecurityContext();

}  // namespace registry

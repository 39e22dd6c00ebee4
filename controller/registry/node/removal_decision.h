#pragma once

#include <chrono>
#include <string>

#include "kube/cancel.h"
#include "kube/client.h"

namespace registry {

// Whether a stopping `node-ca` pod removes its owner's files from the node. A pod stops for a
// rollout or a node drain far more often than because its registry is gone, and a node without
// the CA fails every pull from the registry until the next pod starts; so the files are removed
// only when the API server says the DaemonSet that runs the pods (`ns`/`name`) is gone (404) or
// being deleted (deletionTimestamp set), or refuses node-ca's own identity (401, 403: its
// ServiceAccount, Role and RoleBinding are deleted only with the DaemonSet, and may go first):
// the RegistryConfig or its component was removed. When the API server cannot be asked
// (unreachable, a timeout, a 5xx), the files stay: a stale CA file trusts a key nobody uses any
// more, a missing one breaks pulls.
struct RemovalDecision {
  bool remove = false;
  std::string reason;  // one line for the log
};

// Asks the API server, within `timeout` (the pod's termination grace period is short), and
// gives up when `cancel` fires.
RemovalDecision decideRemovalOnStop(const kube::ClientPtr& client, const std::string& ns,
                                    const std::string& name, std::chrono::seconds timeout,
                                    const kube::CancelToken& cancel);

}  // namespace registry

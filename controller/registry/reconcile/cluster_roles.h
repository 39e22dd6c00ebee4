#pragma once

#include "kube/cancel.h"
#include "kube/client.h"
#include "kube/result.h"

namespace registry {

// Makes the ClusterRoles of buildRegistryClusterRoles exist with their rules, once at start:
// they are shared by every RegistryConfig and owned by none. One the operator did not make (no
// managed-by label of ours; on OpenShift its own registry-viewer and registry-editor, which
// grant image streams) is left alone with a warning in the log. Applies only what differs, so a
// restart writes nothing. An error (say, RBAC refusing) is returned for the caller to log: the
// registries work without these roles, with whatever roles the administrator grants instead.
kube::Result<void> ensureRegistryClusterRoles(const kube::ClientPtr& client,
                                              const kube::CancelToken& cancel);

}  // namespace registry

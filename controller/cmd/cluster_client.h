#pragma once

#include <string>

#include "kube/client.h"
#include "kube/result.h"

namespace cmd {

// The API client of a command: `kubeconfig` when given, else $KUBECONFIG, in-cluster, then
// ~/.kube/config (kube::loadDefaultConfig). The error says which step failed.
kube::Result<kube::ClientPtr> connectToCluster(const std::string& kubeconfig);

}  // namespace cmd

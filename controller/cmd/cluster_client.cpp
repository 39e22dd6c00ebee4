#include "cmd/cluster_client.h"

#include "kube/config.h"

namespace cmd {

kube::Result<kube::ClientPtr> connectToCluster(const std::string& kubeconfig) {
  auto config = kube::loadDefaultConfig(kubeconfig);
  if (!config) return config.error().withContext("cannot load cluster configuration");
  auto client = kube::Client::create(*config);
  if (!client) return client.error().withContext("cannot create the API client");
  return *client;
}

}  // namespace cmd

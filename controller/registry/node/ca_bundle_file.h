#pragma once

#include <string>

#include "kube/result.h"

namespace registry {

// Reads the registry's CA bundle from `path` (ConfigMap N-ca mounted as a volume: kubelet swaps
// its files atomically through symlinks, so a read sees the old bundle or the new one). An Error,
// naming the path, when it cannot be read, holds no PEM certificate or is larger than 1 MiB: the
// node keeps the CA files it has rather than trust nothing.
kube::Result<std::string> readCaBundleFile(const std::string& path);

}  // namespace registry

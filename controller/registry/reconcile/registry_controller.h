#pragma once

#include <memory>
#include <string>
#include <vector>

#include "registry/render/platform.h"
#include "registry/render/tls_issuer.h"
#include "runtime/manager.h"

namespace registry {

struct RegistryControllerOptions {
  PlatformOptions platform;
  // Lifetimes of operator-issued certificates (tls mode Auto on Kubernetes; tls_issuer.h).
  TlsPolicy tls;
  // Namespaces to watch; empty: all namespaces.
  std::vector<std::string> namespaces;
  int workers = 2;
};

// Registers, on `manager`, one RegistryConfig controller per watched namespace (or one for all
// namespaces): primary RegistryConfigs; owned kinds (ownedResources(platform)), Secrets
// included, restricted to the operator's managed-by label; and the metadata only of every other
// Secret, mapped back to the RegistryConfigs that name it in their spec (configBundleSecret,
// htpasswdSecret, tls.secretName, s3 credentials) — the reconciler reads those by GET.
void addRegistryControllers(runtime::Manager& manager, const RegistryControllerOptions& options);

// The RegistryConfigs (as "namespace/name" keys) in `registry_configs` that name `secret` in
// their spec. Reads the raw objects, so it works even for CRs that fail validation.
std::vector<runtime::ObjectKey> registryConfigsReferencing(
    const kube::Json& secret,
    const std::vector<std::shared_ptr<const kube::Json>>& registry_configs);

}  // namespace registry

#pragma once

#include <string>

namespace registry {

// PEM-encoded serving certificate material for the registry. When the operator issues it (tls
// mode Auto on Kubernetes) it is stored in Secret `N-tls` and ConfigMap `N-ca` and read back on
// later reconciles, so it is issued once, not on every pass.
struct TlsMaterial {
  std::string caPem;    // the CA that clients (nodes, workstations, the pruner) trust
  std::string certPem;  // serving certificate (leaf), signed by the CA
  std::string keyPem;   // the serving certificate's private key (PKCS#8)

  bool operator==(const TlsMaterial&) const = default;
};

}  // namespace registry

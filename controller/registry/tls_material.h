#pragma once

#include <string>

namespace registry {

// PEM-encoded serving certificate material for the registry: what the registry pods read from
// Secret `N-tls` (and so what enters the config hash). When the operator issues it (tls mode
// Auto on Kubernetes) it is stored in N-tls and read back on later reconciles, so it is issued
// once and renewed before expiry (tls_issuer.h), not on every pass.
struct TlsMaterial {
  std::string caPem;    // the CA that signed certPem (N-tls `ca.crt`)
  std::string certPem;  // serving certificate (leaf), signed by the CA
  std::string keyPem;   // the serving certificate's private key (PKCS#8)

  bool operator==(const TlsMaterial&) const = default;
};

// The operator's own CA (tls mode Auto on Kubernetes), kept in Secret `N-ca-key` so that the
// same CA signs every renewed serving certificate. Pods never read it, so it is not part of the
// config hash. keyPem is a secret: it never appears in logs, Events, status or errors.
struct CaMaterial {
  std::string certPem;  // the current CA: signs the serving certificate (`ca.crt`)
  std::string keyPem;   // its private key, PKCS#8 (`ca.key`)
  // The CA that certPem replaced, still trusted in the N-ca bundle until it expires
  // (`previous-ca.crt`); empty outside a rotation's overlap.
  std::string previousCertPem;

  bool operator==(const CaMaterial&) const = default;
};

// What clients must trust (ConfigMap N-ca `ca.crt`): the current CA, then the previous one
// while it is kept. Each PEM ends with a newline, so the concatenation is a valid bundle.
inline std::string caBundle(const CaMaterial& ca) { return ca.certPem + ca.previousCertPem; }

}  // namespace registry

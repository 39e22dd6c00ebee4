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
// config hash. The keys (keyPem, nextKeyPem) are secret: they never appear in logs, Events,
// status or errors. A CA rotation is staged (tls_issuer.h): the next CA is published before it
// signs anything, and the CA it replaces is still published for a while after.
struct CaMaterial {
  std::string certPem;  // the current CA: it signs the serving certificate (`ca.crt`)
  std::string keyPem;   // its private key, PKCS#8 (`ca.key`)
  // The CA that certPem replaced, still trusted in the N-ca bundle until it expires
  // (`previous-ca.crt`; no key: it signs nothing any more); empty outside that period.
  std::string previousCertPem;
  // The CA that will replace certPem, issued at the rotation and trusted in the N-ca bundle from
  // then on, but signing nothing until the switch (`next-ca.crt`, `next-ca.key`); empty outside
  // that period.
  std::string nextCertPem;
  std::string nextKeyPem;

  // A next CA is stored (either part of it).
  bool hasNext() const { return !nextCertPem.empty() || !nextKeyPem.empty(); }
  bool operator==(const CaMaterial&) const = default;
};

// What clients must trust (ConfigMap N-ca `ca.crt`): the next CA while there is one, the current
// CA, then the previous one while it is kept, newest first. Each PEM ends with a newline, so the
// concatenation is a valid bundle.
inline std::string caBundle(const CaMaterial& ca) {
  return ca.nextCertPem + ca.certPem + ca.previousCertPem;
}

}  // namespace registry

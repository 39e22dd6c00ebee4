#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kube/result.h"
#include "registry/registry_config.h"
#include "registry/tls_material.h"

namespace registry {

struct TlsIssueRequest {
  std::vector<std::string> dnsNames;  // subjectAltName DNS entries; the first is the CN
  std::chrono::system_clock::time_point now;
  std::chrono::hours caValidity{24 * 365 * 10};
  std::chrono::hours certValidity{24 * 365 * 2};
};

// Issues a self-signed CA (ECDSA P-256) and a serving certificate signed by it for the given DNS
// names (serverAuth, SANs), the way OpenShift's service-ca does for Services. The CA's key is
// not returned: the operator re-issues both when the certificate must change, and the new CA
// reaches clients through ConfigMap N-ca. Errors (kind Other) only if OpenSSL fails.
kube::Result<TlsMaterial> issueTls(const TlsIssueRequest& request);

// issueTls for the registry Service of `config` (serviceDnsNames).
kube::Result<TlsMaterial> issueRegistryTls(const RegistryConfig& config,
                                           std::chrono::system_clock::time_point now);

// Why stored material must be re-issued, or std::nullopt when it is still good: it must parse,
// the key must match the certificate, the certificate must verify against the CA and cover
// every name in `dns_names`, and both must stay valid for at least `min_remaining` after `now`.
// The reconciler calls this on what it reads back from N-tls before reusing it.
std::optional<std::string> tlsMaterialProblem(
    const TlsMaterial& material, const std::vector<std::string>& dns_names,
    std::chrono::system_clock::time_point now,
    std::chrono::hours min_remaining = std::chrono::hours(24 * 30));

}  // namespace registry

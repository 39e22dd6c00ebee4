#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/result.h"
#include "registry/registry_config.h"
#include "registry/tls_material.h"

namespace registry {

// TLS mode Auto on plain Kubernetes: the operator is its own small CA, like OpenShift's
// service-ca. Objects (N = the RegistryConfig's name, all owned by it and labelled like the rest):
//   Secret N-ca-key   (Opaque)            ca.crt, ca.key, previous-ca.crt (only during overlap)
//   Secret N-tls      (kubernetes.io/tls) tls.crt, tls.key, ca.crt = the CA that signed tls.crt
//   ConfigMap N-ca                        ca.crt = caBundle(): current CA, then previous CA
// The registry pods read N-tls only, so only N-tls enters the config hash: a new serving
// certificate rolls the pods; a change of N-ca-key or N-ca alone does not.
//
// Timeline. Every certificate starts min(1h, validity/10) before it is issued (slow clocks) and
// is "due" once less than a third of its own lifetime (notAfter - notBefore) remains. With the
// default policy (CA 10 years, serving certificate 2 years):
//   t0            first reconcile: a CA (kept in N-ca-key) and a serving certificate signed by it.
//                 A serving certificate never outlives its CA (its notAfter is clamped).
//   cert due      (t0 + ~16 months, then every ~16 months) a new serving certificate signed by
//                 the SAME CA: N-ca-key and N-ca keep their bytes, N-tls changes, pods roll.
//   CA due        (t0 + ~6.7 years) rotation: a new CA becomes current and the old one moves to
//                 previous-ca.crt; the serving certificate is re-issued by the new CA at once;
//                 N-ca holds both, so clients that read it trust the pods on either side of the
//                 roll. Copies of the old CA alone stop verifying the registry from here on:
//                 whoever copies the CA must copy N-ca again after a rotation.
//   old CA expiry (t0 + 10 years) the previous CA leaves N-ca-key and N-ca. The overlap is thus
//                 the last third of the old CA's life.
// The reconciler requeues itself for the earliest of these moments (nextTlsCheck), so renewal
// needs no other event.
//
// Special cases:
//   - Upgrade: N-tls without N-ca-key (written by an earlier version, which kept no CA key) is
//     served unchanged while it is sound and neither it nor its CA is due. Then a new CA is issued
//     once and kept; the old CA stays in the bundle as previous until it expires.
//   - An unusable N-ca-key (does not parse, key and certificate do not match, not a CA, not yet
//     valid, expired): a new CA without a previous one (a CA the operator cannot vouch for is not
//     carried over). The reason names the problem, never the key.
//   - Cache lag: gatherInputs decides on the cached objects, and whenever that would change
//     anything decides again on fresh reads from the API server (gather_inputs.h).

// Lifetimes of what the operator issues. `registry-operator run` reads them once at start from
// the hidden environment variables below (durations such as "10m" or "720h", for tests of
// renewal and rotation); the defaults otherwise.
struct TlsPolicy {
  std::chrono::seconds caValidity = std::chrono::hours(24 * 365 * 10);
  std::chrono::seconds certValidity = std::chrono::hours(24 * 365 * 2);
};
inline constexpr const char* kCaValidityEnv = "REGISTRY_OPERATOR_TLS_CA_VALIDITY";
inline constexpr const char* kCertValidityEnv = "REGISTRY_OPERATOR_TLS_CERT_VALIDITY";
// The policy from the values of those variables (nullptr or "": the default). Each must be a
// duration (duration.h) from one minute to 100 years; otherwise an Error (kind Config) naming the
// variable.
kube::Result<TlsPolicy> tlsPolicyFrom(const char* ca_validity, const char* cert_validity);

// A self-signed CA (ECDSA P-256, CA:TRUE, keyCertSign) valid for `validity` from `now`.
// Errors (kind Other) only if OpenSSL fails; they never contain key material.
kube::Result<CaMaterial> issueCa(std::chrono::system_clock::time_point now,
                                 std::chrono::seconds validity);

// A serving certificate (ECDSA P-256, serverAuth, DNS SANs; the first name is the CN) signed by
// `ca`, valid for `validity` from `now` but never past the CA's own notAfter. caPem of the result
// is ca.certPem. Errors (kind Other) if the names are empty, the CA does not parse or OpenSSL
// fails.
kube::Result<TlsMaterial> issueServingCert(const CaMaterial& ca,
                                           const std::vector<std::string>& dns_names,
                                           std::chrono::system_clock::time_point now,
                                           std::chrono::seconds validity);

// serviceDnsNames(config), most specific first (it becomes the CN).
std::vector<std::string> registryDnsNames(const RegistryConfig& config);

// Why serving material cannot be used, or std::nullopt when it can: it must parse, the key must
// match the certificate, the certificate must verify against caPem and cover every name in
// `dns_names`, and both must be valid at `now` and stay valid for at least `min_remaining`.
std::optional<std::string> tlsMaterialProblem(
    const TlsMaterial& material, const std::vector<std::string>& dns_names,
    std::chrono::system_clock::time_point now,
    std::chrono::seconds min_remaining = std::chrono::seconds(0));

// What the operator's objects hold (empty strings for absent objects or keys).
struct StoredTls {
  CaMaterial ca;        // Secret N-ca-key
  TlsMaterial serving;  // Secret N-tls
};

enum class TlsAction {
  Reuse,      // keep the CA and the serving certificate (the previous CA may still be dropped)
  RenewCert,  // keep the CA, issue a new serving certificate signed by it
  RotateCa,   // the CA is due: a new CA, the current one becomes previous, a new certificate
  IssueCa,    // no usable CA (first issue, upgrade, unusable N-ca-key): a new CA and certificate
};
std::string_view toString(TlsAction action);

struct TlsDecision {
  TlsAction action = TlsAction::Reuse;
  // Why, for the log and Events: names certificates and times, never key material.
  std::string reason;
  // The previous CA the result keeps in the bundle (normalised PEM; "" for none).
  std::string previousCaPem;
};

// The pure decision: given what is stored, the names the certificate must cover, the time and
// the policy (only the validity of what would be issued; thresholds come from the stored
// certificates themselves), what to do and why. Never fails: anything unreadable is a reason to
// issue anew.
TlsDecision decideTls(const StoredTls& stored, const std::vector<std::string>& dns_names,
                      std::chrono::system_clock::time_point now, const TlsPolicy& policy);

struct TlsOutcome {
  TlsDecision decision;
  // The CA to store in N-ca-key; std::nullopt while an upgraded N-tls is served without one.
  std::optional<CaMaterial> ca;
  TlsMaterial serving;  // N-tls; serving.caPem is the CA that signed serving.certPem
  // When to look again (nextTlsCheck of the result).
  std::chrono::system_clock::time_point nextCheck;
};

// decideTls, then carries it out (issues what it says; copies what it keeps byte for byte, so a
// steady state rebuilds identical objects and makes no writes).
kube::Result<TlsOutcome> ensureTls(const StoredTls& stored,
                                   const std::vector<std::string>& dns_names,
                                   std::chrono::system_clock::time_point now,
                                   const TlsPolicy& policy);

// The earliest moment at which decideTls would stop answering Reuse-without-change for this
// material: the serving certificate or its CA becomes due, or the previous CA expires.
// Unreadable material: time_point::min() (look at once).
std::chrono::system_clock::time_point nextTlsCheck(const std::optional<CaMaterial>& ca,
                                                   const TlsMaterial& serving);

}  // namespace registry

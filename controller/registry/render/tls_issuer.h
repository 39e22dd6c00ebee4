#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/result.h"
#include "registry/api/registry_config.h"
#include "registry/render/tls_material.h"

namespace registry {

// TLS mode Auto on plain Kubernetes: the operator is its own small CA, like OpenShift's
// service-ca. Objects (N = the RegistryConfig's name, all owned by it and labelled like the rest):
//   Secret N-ca-key   (Opaque)            ca.crt, ca.key: the current CA, which signs N-tls;
//                                         next-ca.crt, next-ca.key: the CA to come (only from a
//                                         rotation to its switch); previous-ca.crt: the CA replaced
//                                         at the switch (only from the switch to its expiry)
//   Secret N-tls      (kubernetes.io/tls) tls.crt, tls.key, ca.crt = the CA that signed tls.crt
//   ConfigMap N-ca                        ca.crt = caBundle(): next, current, previous CA
// The registry pods read N-tls only, so only N-tls enters the config hash: a new serving
// certificate rolls the pods; a change of N-ca-key or N-ca alone does not.
//
// Timeline. Every certificate starts min(1h, validity/10) before it is issued (slow clocks) and
// is "due" once less than a third of its own lifetime (notAfter - notBefore) remains. A serving
// certificate never outlives the CA that signed it (its notAfter is clamped). With the default
// policy (CA 10 years, serving certificate 2 years):
//   t0            first reconcile: a CA (kept in N-ca-key) and a serving certificate signed by it.
//   cert due      (t0 + ~16 months, then every ~16 months) a new serving certificate signed by
//                 the current CA: N-ca-key and N-ca keep their bytes, N-tls changes, pods roll.
//   rotation      (the CA is due: t0 + ~6.7 years) a new CA is issued and stored as next-ca.*;
//                 N-ca publishes it next to the old one. The serving certificate stays signed by
//                 the old CA: N-tls keeps its bytes (unless it is due at that very moment, then
//                 the old CA renews it), the pods do not roll. Clients that copy N-ca now trust
//                 both sides of the coming switch.
//   overlap       (rotation to switch) the old CA keeps signing: a serving certificate that falls
//                 due is renewed by the OLD CA (clamped to its expiry), never by the new one, so
//                 that nothing moves the switch earlier for clients that hold only the old CA.
//                 (With the defaults this happens once, at t0 + 8 years: the pods roll for it and
//                 again at the switch four months later.)
//   switch        (half-way from the rotation to the old CA's expiry: t0 + ~8.3 years) the next
//                 CA becomes current, the old one moves to previous-ca.crt (its key is dropped),
//                 and a new serving certificate is signed by the new CA: pods roll once. Copies
//                 of the old CA alone stop verifying the registry from here on; copies of N-ca
//                 made since the rotation keep working. "The rotation" is the moment the old CA
//                 became due, or the next CA's notBefore if that is later (a rotation made late,
//                 say after the operator was down), so a late rotation still gets half of what
//                 is left as its overlap; the old CA is valid throughout.
//   old CA expiry (t0 + 10 years) the previous CA leaves N-ca-key and N-ca. N-tls and the pods
//                 are untouched.
// The reconciler requeues itself for the earliest of these moments (nextTlsCheck), so renewal
// and rotation need no other event.
//
// Special cases:
//   - Upgrade: N-tls without N-ca-key (written by an earlier version, which kept no CA key) is
//     served unchanged while it is sound and neither it nor its CA is due. Then a new CA is issued
//     once, kept, and signs at once (the old CA's key was never kept, so there is no overlap in
//     which it signs); the old CA stays in the bundle as previous until it expires.
//   - An unusable current CA (does not parse, key and certificate do not match, not a CA, not yet
//     valid, expired): if a sound next CA is stored (it is already in the bundle), the switch
//     happens at once and the unusable CA is dropped; otherwise a new CA without a previous one
//     (a CA the operator cannot vouch for is not carried over). An unusable next CA is dropped
//     (and, if the current CA is due, replaced by a fresh one, which starts a new overlap). The
//     reason names the problem, never the key.
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
// Why a stored key pair made by issueCa cannot go on signing (it does not parse, the key does
// not belong to the certificate, or the certificate is not yet valid, expired or due, i.e. less
// than a third of its lifetime is left), or std::nullopt. Used for the token service's signing
// key (auth type Kubernetes), which is an issueCa pair of its own.
std::optional<std::string> signingKeyProblem(const CaMaterial& material,
                                             std::chrono::system_clock::time_point now);

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
  Reuse,      // keep the CAs and the serving certificate (the previous CA may still be dropped)
  RenewCert,  // keep the CAs, issue a new serving certificate signed by the current CA
  RotateCa,   // the current CA is due: issue a next CA and publish it; the current CA still signs
              // (and renews the serving certificate if that is due too: newServingCert)
  SwitchCa,   // the next CA becomes current and signs a new serving certificate; the old current
              // CA becomes previous
  IssueCa,    // no usable CA (first issue, upgrade, unusable N-ca-key): a new CA and certificate
};
std::string_view toString(TlsAction action);

struct TlsDecision {
  TlsAction action = TlsAction::Reuse;
  // Why, for the log and Events: names certificates and times, never key material.
  std::string reason;
  // The previous CA the result keeps in the bundle ("" for none): the stored one byte for byte,
  // the replaced current CA (SwitchCa) or the legacy CA (IssueCa on upgrade, normalised PEM).
  std::string previousCaPem;
  // Reuse and RenewCert: the result keeps the stored next CA (certificate and key) byte for byte.
  // False when there is none or it is dropped; RotateCa issues one, SwitchCa makes it current.
  bool keepsNextCa = false;
  // N-tls gets a new serving certificate (so the pods roll): RenewCert, SwitchCa, IssueCa, and
  // RotateCa when the serving certificate is due as well.
  bool newServingCert = false;
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
// material: the serving certificate becomes due, the current CA becomes due (no next CA yet) or
// the switch to the next CA comes (tlsSwitchTime), or the previous CA expires. Unreadable
// material: time_point::min() (look at once).
std::chrono::system_clock::time_point nextTlsCheck(const std::optional<CaMaterial>& ca,
                                                   const TlsMaterial& serving);

// When the next CA takes over from the current one (the "switch" of the timeline): half-way from
// the rotation (the moment the current CA became due, or the next CA's notBefore if later) to the
// current CA's expiry. std::nullopt if either certificate's validity does not parse.
std::optional<std::chrono::system_clock::time_point> tlsSwitchTime(const std::string& current_pem,
                                                                   const std::string& next_pem);

}  // namespace registry

#include "registry/render/tls_issuer.h"

#include <algorithm>
#include <ctime>
#include <memory>
#include <utility>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "registry/api/duration.h"
#include "registry/render/hostnames.h"
#include "registry/render/object_names.h"
#include "runtime/time_format.h"

namespace registry {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

kube::Error opensslError(const std::string& what) {
  std::string detail;
  if (unsigned long code = ERR_get_error(); code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    detail = std::string(": ") + buffer;
  }
  ERR_clear_error();
  return kube::Error(kube::ErrorKind::Other, "TLS issuing failed: " + what + detail);
}

KeyPtr newKey() { return KeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

std::string toPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string toPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

bool addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr extension(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return extension && X509_add_ext(cert, extension.get(), -1) == 1;
}

// Subject CN is limited to 64 characters; SANs carry the real names anyway.
std::string commonName(const std::string& name) { return name.substr(0, 64); }

struct CertificateSpec {
  std::string commonName;
  std::time_t notBefore;
  std::time_t notAfter;
  bool ca;
  std::vector<std::string> dnsNames;
};

// A certificate for `key` from `spec`, signed by `issuer_key` (issuer_cert == nullptr: self).
CertPtr makeCertificate(const CertificateSpec& spec, EVP_PKEY* key, X509* issuer_cert,
                        EVP_PKEY* issuer_key) {
  CertPtr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return nullptr;
  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return nullptr;
  }
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), spec.notBefore) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), spec.notAfter) == nullptr) {
    return nullptr;
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  std::string cn = commonName(spec.commonName);
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(
          cert.get(), issuer_cert != nullptr ? X509_get_subject_name(issuer_cert) : subject) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return nullptr;
  }
  X509* issuer = issuer_cert != nullptr ? issuer_cert : cert.get();
  bool ok = addExtension(cert.get(), issuer, NID_subject_key_identifier, "hash") &&
            addExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  if (spec.ca) {
    ok = ok && addExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE") &&
         addExtension(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    std::string san;
    for (const auto& name : spec.dnsNames) san += (san.empty() ? "DNS:" : ",DNS:") + name;
    ok = ok && addExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE") &&
         addExtension(cert.get(), issuer, NID_key_usage,
                      "critical,digitalSignature,keyEncipherment") &&
         addExtension(cert.get(), issuer, NID_ext_key_usage, "serverAuth") &&
         (san.empty() || addExtension(cert.get(), issuer, NID_subject_alt_name, san));
  }
  if (!ok || X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return nullptr;
  return cert;
}

CertPtr parseCertificate(const std::string& pem) {
  if (pem.empty()) return nullptr;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return cert;
}

KeyPtr parseKey(const std::string& pem) {
  if (pem.empty()) return nullptr;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return key;
}

using TimePoint = std::chrono::system_clock::time_point;

// How long before "now" a certificate starts, for clocks that run a little slow: an hour, but
// at most a tenth of a short lifetime (so that a 10-minute certificate is not born due).
std::chrono::seconds backdate(std::chrono::seconds validity) {
  return std::min<std::chrono::seconds>(std::chrono::hours(1), validity / 10);
}

std::time_t toTimeT(TimePoint time) { return std::chrono::system_clock::to_time_t(time); }

std::optional<TimePoint> timeOf(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct Validity {
  TimePoint notBefore;
  TimePoint notAfter;
  // Less than a third of the lifetime left from here on.
  TimePoint due() const { return notAfter - (notAfter - notBefore) / 3; }
};

std::optional<Validity> validityOf(const X509* cert) {
  if (cert == nullptr) return std::nullopt;
  auto not_before = timeOf(X509_get0_notBefore(cert));
  auto not_after = timeOf(X509_get0_notAfter(cert));
  if (!not_before || !not_after || *not_after <= *not_before) return std::nullopt;
  return Validity{*not_before, *not_after};
}

std::optional<Validity> validityOf(const std::string& pem) {
  CertPtr cert = parseCertificate(pem);
  return validityOf(cert.get());
}

std::string at(TimePoint time) { return runtime::formatTime(time); }

// The same certificate re-encoded by OpenSSL (so a bundle built from it is well formed), or ""
// when it does not parse.
std::string normalisedPem(const std::string& pem) {
  CertPtr cert = parseCertificate(pem);
  return cert ? toPem(cert.get()) : std::string();
}

// Why the stored CA cannot sign, or std::nullopt. `cert_key` and `key_key` name the keys of
// N-ca-key it came from (ca.crt and ca.key, or next-ca.crt and next-ca.key).
std::optional<std::string> caProblem(const CaMaterial& ca, TimePoint now,
                                     const std::string& cert_key = kCaKey,
                                     const std::string& key_key = kCaKeyKey) {
  CertPtr cert = parseCertificate(ca.certPem);
  if (!cert) return "its certificate (" + cert_key + ") is missing or does not parse";
  KeyPtr key = parseKey(ca.keyPem);
  if (!key) return "its key (" + key_key + ") is missing or does not parse";
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return "its key (" + key_key + ") does not belong to its certificate (" + cert_key + ")";
  }
  if (X509_check_ca(cert.get()) < 1) return "its certificate is not a CA certificate";
  auto validity = validityOf(cert.get());
  if (!validity) return "its certificate has unreadable validity dates";
  if (now < validity->notBefore)
    return "its certificate is not valid before " + at(validity->notBefore);
  if (now >= validity->notAfter) return "its certificate expired at " + at(validity->notAfter);
  return std::nullopt;
}

// Why the serving material (with material.caPem the CA it must verify against) must be
// re-issued, or std::nullopt.
std::optional<std::string> servingProblem(const TlsMaterial& material,
                                          const std::vector<std::string>& dns_names, TimePoint now,
                                          const TlsPolicy& policy) {
  if (material.certPem.empty() && material.keyPem.empty()) return "there is none yet";
  if (auto problem = tlsMaterialProblem(material, dns_names, now)) return *problem;
  auto validity = validityOf(material.certPem);
  if (!validity) return "the serving certificate has unreadable validity dates";
  if (now >= validity->due()) {
    return "the serving certificate is due for renewal (it expires at " + at(validity->notAfter) +
           ")";
  }
  if (validity->notAfter > now + policy.certValidity) {
    return "the serving certificate outlives the configured validity (it expires at " +
           at(validity->notAfter) + ")";
  }
  return std::nullopt;
}

// tlsSwitchTime on parsed validities.
TimePoint switchTime(const Validity& current, const Validity& next) {
  const TimePoint rotation = std::max(current.due(), next.notBefore);
  return rotation + (current.notAfter - rotation) / 2;
}

// The stored next CA alone, to check it like the current one.
CaMaterial nextOf(const CaMaterial& ca) { return {ca.nextCertPem, ca.nextKeyPem, "", "", ""}; }

// The stored previous CA, kept while it is valid: fills decision.previousCaPem, or returns why it
// leaves the bundle ("" when there is nothing to say).
std::string keepPrevious(const CaMaterial& ca, TimePoint now, TlsDecision& decision) {
  if (ca.previousCertPem.empty()) return "";
  auto previous = validityOf(ca.previousCertPem);
  if (previous && now < previous->notAfter) {
    decision.previousCaPem = ca.previousCertPem;  // byte for byte: no write
    return "";
  }
  return previous
             ? "the previous CA expired at " + at(previous->notAfter) + " and leaves the bundle"
             : "the previous CA does not parse and leaves the bundle";
}

void append(std::string& reason, const std::string& more) {
  if (!more.empty()) reason += "; " + more;
}

TlsDecision decideUpgrade(const StoredTls& stored, const std::vector<std::string>& dns_names,
                          TimePoint now, const TlsPolicy& policy) {
  if (stored.serving == TlsMaterial{}) {
    return {TlsAction::IssueCa, "no CA and no serving certificate yet: issuing both", "", false,
            true};
  }
  // Upgrade: N-tls from an earlier version, whose CA key was never kept.
  std::optional<std::string> problem = servingProblem(stored.serving, dns_names, now, policy);
  auto legacy_ca = validityOf(stored.serving.caPem);
  if (!problem && legacy_ca && now >= legacy_ca->due()) {
    problem = "its CA is due for rotation (it expires at " + at(legacy_ca->notAfter) + ")";
  }
  if (!problem) {
    return {TlsAction::Reuse,
            "N-tls has no stored CA key (made by an earlier version): serving it unchanged "
            "until it is due",
            "", false, false};
  }
  // The old CA stays trusted while pods that still serve its certificate roll away.
  const bool keep_old = legacy_ca && now < legacy_ca->notAfter;
  return {TlsAction::IssueCa,
          "N-tls has no stored CA key (made by an earlier version) and " + *problem +
              ": issuing a new CA and keeping it" +
              (keep_old ? "; the old CA stays in the bundle until it expires" : ""),
          keep_old ? normalisedPem(stored.serving.caPem) : "", false, true};
}

}  // namespace

kube::Result<TlsPolicy> tlsPolicyFrom(const char* ca_validity, const char* cert_validity) {
  // Bounded above so that `now + validity` stays far inside the clock's range.
  constexpr auto kLongest = std::chrono::hours(24 * 365 * 100);
  TlsPolicy policy;
  const std::pair<const char*, const char*> values[] = {{kCaValidityEnv, ca_validity},
                                                        {kCertValidityEnv, cert_validity}};
  std::chrono::seconds* fields[] = {&policy.caValidity, &policy.certValidity};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& [variable, value] = values[i];
    if (value == nullptr || *value == '\0') continue;  // the default
    auto parsed = parseDuration(value);
    if (!parsed || *parsed < std::chrono::minutes(1) || *parsed > kLongest) {
      return kube::Error(kube::ErrorKind::Config,
                         std::string(variable) + " must be a duration between 1m and 876000h " +
                             "such as 10m, 720h or 1h30m, not \"" + value + "\"");
    }
    *fields[i] = std::chrono::duration_cast<std::chrono::seconds>(*parsed);
  }
  return policy;
}

kube::Result<CaMaterial> issueCa(TimePoint now, std::chrono::seconds validity) {
  if (validity <= std::chrono::seconds(0)) return opensslError("the CA validity must be positive");
  KeyPtr key = newKey();
  if (!key) return opensslError("generating the CA key");
  CertificateSpec spec{"registry-operator-ca@" + std::to_string(toTimeT(now)),
                       toTimeT(now - backdate(validity)),
                       toTimeT(now + validity),
                       true,
                       {}};
  CertPtr cert = makeCertificate(spec, key.get(), nullptr, key.get());
  if (!cert) return opensslError("creating the CA certificate");
  CaMaterial ca{toPem(cert.get()), toPem(key.get()), "", "", ""};
  if (ca.certPem.empty() || ca.keyPem.empty()) return opensslError("encoding PEM");
  return ca;
}

std::optional<std::string> signingKeyProblem(const CaMaterial& material, TimePoint now) {
  if (auto problem = caProblem(material, now, kSigningCertKey, kSigningKeyKey)) return problem;
  auto validity = validityOf(material.certPem);
  if (!validity) return "its certificate has unreadable validity dates";
  if (now >= validity->due()) {
    return "its certificate is due for renewal (it expires at " + at(validity->notAfter) + ")";
  }
  return std::nullopt;
}

kube::Result<TlsMaterial> issueServingCert(const CaMaterial& ca,
                                           const std::vector<std::string>& dns_names, TimePoint now,
                                           std::chrono::seconds validity) {
  if (dns_names.empty()) return opensslError("no DNS names requested");
  CertPtr ca_cert = parseCertificate(ca.certPem);
  KeyPtr ca_key = parseKey(ca.keyPem);
  auto ca_validity = validityOf(ca_cert.get());
  if (!ca_cert || !ca_key || !ca_validity) return opensslError("the CA does not parse");
  // Never past the CA: a chain is only as valid as its shortest link.
  TimePoint not_after = std::min(now + validity, ca_validity->notAfter);
  if (not_after <= now) return opensslError("the CA has expired");
  auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(not_after - now);

  KeyPtr key = newKey();
  if (!key) return opensslError("generating the serving key");
  CertificateSpec spec{dns_names.front(), toTimeT(now - backdate(lifetime)), toTimeT(not_after),
                       false, dns_names};
  CertPtr cert = makeCertificate(spec, key.get(), ca_cert.get(), ca_key.get());
  if (!cert) return opensslError("creating the serving certificate");
  TlsMaterial material{ca.certPem, toPem(cert.get()), toPem(key.get())};
  if (material.certPem.empty() || material.keyPem.empty()) return opensslError("encoding PEM");
  return material;
}

std::vector<std::string> registryDnsNames(const RegistryConfig& config) {
  std::vector<std::string> names = serviceDnsNames(config);
  // The most specific name first: it becomes the CN.
  if (names.size() > 2) std::rotate(names.begin(), names.begin() + 2, names.end());
  return names;
}

std::optional<std::string> tlsMaterialProblem(const TlsMaterial& material,
                                              const std::vector<std::string>& dns_names,
                                              TimePoint now, std::chrono::seconds min_remaining) {
  CertPtr ca = parseCertificate(material.caPem);
  CertPtr cert = parseCertificate(material.certPem);
  KeyPtr key = parseKey(material.keyPem);
  if (!ca) return "the CA certificate does not parse";
  if (!cert) return "the serving certificate does not parse";
  if (!key) return "the private key does not parse";
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return "the private key does not match the certificate";
  }
  EVP_PKEY* ca_public = X509_get0_pubkey(ca.get());
  if (ca_public == nullptr || X509_verify(cert.get(), ca_public) != 1) {
    ERR_clear_error();
    return "the certificate is not signed by the CA";
  }
  for (const auto& name : dns_names) {
    if (X509_check_host(cert.get(), name.c_str(), name.size(), X509_CHECK_FLAG_NO_WILDCARDS,
                        nullptr) != 1) {
      return "the certificate does not cover " + name;
    }
  }
  std::time_t deadline = toTimeT(now + min_remaining);
  std::time_t current = toTimeT(now);
  for (X509* c : {ca.get(), cert.get()}) {
    if (X509_cmp_time(X509_get0_notBefore(c), &current) > 0)
      return "a certificate is not yet valid";
    if (X509_cmp_time(X509_get0_notAfter(c), &deadline) < 0) return "a certificate expires soon";
  }
  return std::nullopt;
}

std::string_view toString(TlsAction action) {
  switch (action) {
    case TlsAction::Reuse:
      return "Reuse";
    case TlsAction::RenewCert:
      return "RenewCert";
    case TlsAction::RotateCa:
      return "RotateCa";
    case TlsAction::SwitchCa:
      return "SwitchCa";
    case TlsAction::IssueCa:
      return "IssueCa";
  }
  return "Unknown";
}

TlsDecision decideTls(const StoredTls& stored, const std::vector<std::string>& dns_names,
                      TimePoint now, const TlsPolicy& policy) {
  const CaMaterial& ca = stored.ca;
  if (ca.certPem.empty() && ca.keyPem.empty() && ca.previousCertPem.empty() && !ca.hasNext()) {
    return decideUpgrade(stored, dns_names, now, policy);
  }
  // The next CA, if one is stored: usable, or why not.
  std::optional<std::string> next_problem;
  if (ca.hasNext()) next_problem = caProblem(nextOf(ca), now, kNextCaKey, kNextCaKeyKey);
  const bool has_next = ca.hasNext() && !next_problem;
  const std::string next_dropped =
      ca.hasNext() && next_problem ? "the next CA is unusable (" + *next_problem + ")" : "";

  if (auto problem = caProblem(ca, now)) {
    TlsDecision decision;
    decision.newServingCert = true;
    if (has_next) {
      // Clients that copied N-ca since the rotation already trust it.
      decision.action = TlsAction::SwitchCa;
      decision.reason = "the stored CA is unusable (" + *problem +
                        "): the next CA, already in the bundle, takes over at once";
    } else {
      decision.action = TlsAction::IssueCa;
      decision.reason = "the stored CA is unusable (" + *problem + "): issuing a new CA";
      append(decision.reason, next_dropped);
    }
    return decision;
  }
  auto current = validityOf(ca.certPem);  // sound: caProblem checked it

  TlsDecision decision;
  std::string dropped = keepPrevious(ca, now, decision);
  std::optional<TimePoint> switch_at;
  if (has_next) {
    switch_at = switchTime(*current, *validityOf(ca.nextCertPem));  // sound: caProblem
    if (now >= *switch_at) {
      decision.action = TlsAction::SwitchCa;
      decision.reason = "the switch to the next CA is due (the current CA expires at " +
                        at(current->notAfter) +
                        "): a new serving certificate signed by the next CA, which becomes "
                        "current; the old CA stays in the bundle until it expires";
      // The replaced CA is valid (caProblem) and takes the only previous slot; an older one has
      // signed nothing since the last switch.
      decision.previousCaPem = ca.certPem;
      decision.newServingCert = true;
      return decision;
    }
    decision.keepsNextCa = true;
  }

  TlsMaterial serving = stored.serving;
  serving.caPem = ca.certPem;
  std::optional<std::string> serving_problem = servingProblem(serving, dns_names, now, policy);
  decision.newServingCert = serving_problem.has_value();
  if (!has_next && now >= current->due()) {
    decision.action = TlsAction::RotateCa;
    // When the CA about to be issued takes over (issueCa starts it backdate() early).
    const Validity next{now - backdate(policy.caValidity), now + policy.caValidity};
    decision.reason = "the CA is due for rotation (it expires at " + at(current->notAfter) +
                      "): issuing the next CA and publishing it next to the current one, which "
                      "keeps signing the serving certificate until the switch at about " +
                      at(switchTime(*current, next));
    append(decision.reason, next_dropped.empty() ? "" : next_dropped + " and is replaced");
    if (serving_problem) {
      append(decision.reason,
             "issuing a new serving certificate with the current CA: " + *serving_problem);
    }
  } else {
    if (serving_problem) {
      decision.action = TlsAction::RenewCert;
      decision.reason = "issuing a new serving certificate with the same CA: " + *serving_problem;
    } else {
      decision.action = TlsAction::Reuse;
      decision.reason = "the CA and the serving certificate are sound";
    }
    if (switch_at) {
      append(decision.reason, "the next CA is in the bundle and takes over at " + at(*switch_at));
    }
    append(decision.reason, next_dropped.empty() ? "" : next_dropped + " and leaves the bundle");
  }
  append(decision.reason, dropped);
  return decision;
}

kube::Result<TlsOutcome> ensureTls(const StoredTls& stored,
                                   const std::vector<std::string>& dns_names, TimePoint now,
                                   const TlsPolicy& policy) {
  TlsOutcome outcome;
  outcome.decision = decideTls(stored, dns_names, now, policy);
  const TlsDecision& decision = outcome.decision;
  // The stored CAs as the decision keeps them.
  CaMaterial kept = stored.ca;
  kept.previousCertPem = decision.previousCaPem;
  if (!decision.keepsNextCa) kept.nextCertPem = kept.nextKeyPem = "";

  switch (decision.action) {
    case TlsAction::Reuse:
    case TlsAction::RenewCert:
      if (!stored.ca.certPem.empty()) outcome.ca = kept;
      break;
    case TlsAction::RotateCa: {
      auto next = issueCa(now, policy.caValidity);
      if (!next) return next.error();
      kept.nextCertPem = next->certPem;
      kept.nextKeyPem = next->keyPem;
      outcome.ca = std::move(kept);
      break;
    }
    case TlsAction::SwitchCa:
      outcome.ca =
          CaMaterial{stored.ca.nextCertPem, stored.ca.nextKeyPem, decision.previousCaPem, "", ""};
      break;
    case TlsAction::IssueCa: {
      auto ca = issueCa(now, policy.caValidity);
      if (!ca) return ca.error();
      ca->previousCertPem = decision.previousCaPem;
      outcome.ca = std::move(*ca);
      break;
    }
  }
  if (decision.newServingCert) {
    auto serving = issueServingCert(*outcome.ca, dns_names, now, policy.certValidity);
    if (!serving) return serving.error();
    outcome.serving = std::move(*serving);
  } else {
    // Byte for byte; ca.crt names the current CA (a stale one is rewritten, nothing reissued).
    outcome.serving = stored.serving;
    if (outcome.ca) outcome.serving.caPem = outcome.ca->certPem;
  }
  outcome.nextCheck = nextTlsCheck(outcome.ca, outcome.serving);
  return outcome;
}

std::optional<TimePoint> tlsSwitchTime(const std::string& current_pem,
                                       const std::string& next_pem) {
  auto current = validityOf(current_pem);
  auto next = validityOf(next_pem);
  if (!current || !next) return std::nullopt;
  return switchTime(*current, *next);
}

TimePoint nextTlsCheck(const std::optional<CaMaterial>& ca, const TlsMaterial& serving) {
  auto cert = validityOf(serving.certPem);
  auto issuer = validityOf(ca ? ca->certPem : serving.caPem);
  if (!cert || !issuer) return TimePoint::min();
  TimePoint next = cert->due();
  if (ca && ca->hasNext()) {
    auto switch_at = tlsSwitchTime(ca->certPem, ca->nextCertPem);
    if (!switch_at) return TimePoint::min();
    next = std::min(next, *switch_at);
  } else {
    next = std::min(next, issuer->due());
  }
  if (ca && !ca->previousCertPem.empty()) {
    auto previous = validityOf(ca->previousCertPem);
    if (!previous) return TimePoint::min();
    next = std::min(next, previous->notAfter);
  }
  return next;
}

}  // namespace registry

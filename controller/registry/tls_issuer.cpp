#include "registry/tls_issuer.h"

#include <algorithm>
#include <ctime>
#include <memory>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "registry/hostnames.h"

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
  std::chrono::hours validity;
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
  std::time_t start = spec.notBefore;
  long validity_seconds = static_cast<long>(spec.validity.count()) * 3600;
  if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, 0, &start) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, validity_seconds, &start) == nullptr) {
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
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return CertPtr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

KeyPtr parseKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return KeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

kube::Result<TlsMaterial> issueTls(const TlsIssueRequest& request) {
  if (request.dnsNames.empty()) return opensslError("no DNS names requested");
  // Start an hour early so that nodes with a slightly slow clock accept the certificates.
  std::time_t not_before = std::chrono::system_clock::to_time_t(request.now) - 3600;

  KeyPtr ca_key = newKey();
  if (!ca_key) return opensslError("generating the CA key");
  CertificateSpec ca_spec{"registry-operator-ca@" + std::to_string(not_before + 3600),
                          not_before,
                          request.caValidity,
                          true,
                          {}};
  CertPtr ca = makeCertificate(ca_spec, ca_key.get(), nullptr, ca_key.get());
  if (!ca) return opensslError("creating the CA certificate");

  KeyPtr key = newKey();
  if (!key) return opensslError("generating the serving key");
  CertificateSpec leaf_spec{request.dnsNames.front(), not_before, request.certValidity, false,
                            request.dnsNames};
  CertPtr cert = makeCertificate(leaf_spec, key.get(), ca.get(), ca_key.get());
  if (!cert) return opensslError("creating the serving certificate");

  TlsMaterial material{toPem(ca.get()), toPem(cert.get()), toPem(key.get())};
  if (material.caPem.empty() || material.certPem.empty() || material.keyPem.empty()) {
    return opensslError("encoding PEM");
  }
  return material;
}

kube::Result<TlsMaterial> issueRegistryTls(const RegistryConfig& config,
                                           std::chrono::system_clock::time_point now) {
  std::vector<std::string> names = serviceDnsNames(config);
  // The most specific name first: it becomes the CN.
  std::rotate(names.begin(), names.begin() + 2, names.end());
  return issueTls({names, now});
}

std::optional<std::string> tlsMaterialProblem(const TlsMaterial& material,
                                              const std::vector<std::string>& dns_names,
                                              std::chrono::system_clock::time_point now,
                                              std::chrono::hours min_remaining) {
  CertPtr ca = parseCertificate(material.caPem);
  CertPtr cert = parseCertificate(material.certPem);
  KeyPtr key = parseKey(material.keyPem);
  ERR_clear_error();
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
  std::time_t deadline = std::chrono::system_clock::to_time_t(now + min_remaining);
  std::time_t current = std::chrono::system_clock::to_time_t(now);
  for (X509* c : {ca.get(), cert.get()}) {
    if (X509_cmp_time(X509_get0_notBefore(c), &current) > 0)
      return "a certificate is not yet valid";
    if (X509_cmp_time(X509_get0_notAfter(c), &deadline) < 0) return "a certificate expires soon";
  }
  return std::nullopt;
}

}  // namespace registry

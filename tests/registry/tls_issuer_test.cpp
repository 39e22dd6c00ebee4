#include <algorithm>
#include <memory>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <catch2/catch.hpp>

#include "registry/hostnames.h"
#include "registry/tls_issuer.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::parseOk;

namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using CertPtr = std::unique_ptr<X509, X509Free>;

CertPtr readCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  CertPtr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

std::vector<std::string> dnsSans(X509* cert) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* dns = name->d.dNSName;
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                       ASN1_STRING_length(dns));
  }
  GENERAL_NAMES_free(sans);
  return names;
}

}  // namespace

TEST_CASE("the issued certificate is signed by the issued CA and names the Service") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  auto now = std::chrono::system_clock::now();
  auto material = issueRegistryTls(config, now);
  REQUIRE(material.ok());
  CHECK(material->caPem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(material->certPem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(material->keyPem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);

  CertPtr ca = readCert(material->caPem);
  CertPtr cert = readCert(material->certPem);
  REQUIRE(ca);
  REQUIRE(cert);
  CHECK(X509_verify(cert.get(), X509_get0_pubkey(ca.get())) == 1);
  CHECK(X509_verify(ca.get(), X509_get0_pubkey(ca.get())) == 1);  // self-signed
  CHECK(X509_check_ca(ca.get()) >= 1);
  CHECK(X509_check_ca(cert.get()) == 0);
  CHECK(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0) == 1);

  std::vector<std::string> sans = dnsSans(cert.get());
  for (const char* name :
       {"image-registry", "image-registry.registry", "image-registry.registry.svc",
        "image-registry.registry.svc.cluster.local"}) {
    INFO(name);
    CHECK(std::find(sans.begin(), sans.end(), name) != sans.end());
  }
  CHECK_FALSE(tlsMaterialProblem(*material, serviceDnsNames(config), now).has_value());
}

TEST_CASE("a full chain verifies with an X509 store") {
  auto material = issueTls({{"registry.example.svc"}, std::chrono::system_clock::now()});
  REQUIRE(material.ok());
  CertPtr ca = readCert(material->caPem);
  CertPtr cert = readCert(material->certPem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert.get(), nullptr);
  X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), "registry.example.svc", 0);
  CHECK(X509_verify_cert(ctx) == 1);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
}

TEST_CASE("tlsMaterialProblem says why material must be re-issued") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  auto now = std::chrono::system_clock::now();
  auto names = serviceDnsNames(config);
  auto material = issueRegistryTls(config, now);
  auto other = issueRegistryTls(config, now);
  REQUIRE(material.ok());
  REQUIRE(other.ok());

  TlsMaterial wrong_ca = *material;
  wrong_ca.caPem = other->caPem;
  CHECK(tlsMaterialProblem(wrong_ca, names, now) == "the certificate is not signed by the CA");

  TlsMaterial wrong_key = *material;
  wrong_key.keyPem = other->keyPem;
  CHECK(tlsMaterialProblem(wrong_key, names, now) ==
        "the private key does not match the certificate");

  TlsMaterial garbage = {"not a pem", material->certPem, material->keyPem};
  CHECK(tlsMaterialProblem(garbage, names, now) == "the CA certificate does not parse");
  CHECK(tlsMaterialProblem({material->caPem, "", material->keyPem}, names, now) ==
        "the serving certificate does not parse");

  CHECK(tlsMaterialProblem(*material, {"other.registry.svc"}, now) ==
        "the certificate does not cover other.registry.svc");

  using namespace std::chrono_literals;
  CHECK(tlsMaterialProblem(*material, names, now + 24h * 365 * 2) == "a certificate expires soon");
  CHECK(tlsMaterialProblem(*material, names, now - 24h) == "a certificate is not yet valid");
}

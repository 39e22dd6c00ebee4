#include <algorithm>
#include <ctime>
#include <memory>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <catch2/catch.hpp>

#include "registry/render/hostnames.h"
#include "registry/render/tls_issuer.h"
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

std::chrono::system_clock::time_point timeOf(const ASN1_TIME* time) {
  std::tm tm{};
  REQUIRE(ASN1_TIME_to_tm(time, &tm) == 1);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}
std::chrono::system_clock::time_point notBefore(X509* cert) {
  return timeOf(X509_get0_notBefore(cert));
}
std::chrono::system_clock::time_point notAfter(X509* cert) {
  return timeOf(X509_get0_notAfter(cert));
}

}  // namespace

TEST_CASE("the issued certificate is signed by the issued CA and names the Service") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  auto now = std::chrono::system_clock::now();
  auto ca = issueCa(now, TlsPolicy{}.caValidity);
  REQUIRE(ca.ok());
  CHECK(ca->certPem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(ca->keyPem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(ca->previousCertPem.empty());
  auto material = issueServingCert(*ca, registryDnsNames(config), now, TlsPolicy{}.certValidity);
  REQUIRE(material.ok());
  CHECK(material->caPem == ca->certPem);
  CHECK(material->certPem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(material->keyPem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);

  CertPtr ca_cert = readCert(material->caPem);
  CertPtr cert = readCert(material->certPem);
  REQUIRE(ca_cert);
  REQUIRE(cert);
  CHECK(X509_verify(cert.get(), X509_get0_pubkey(ca_cert.get())) == 1);
  CHECK(X509_verify(ca_cert.get(), X509_get0_pubkey(ca_cert.get())) == 1);  // self-signed
  CHECK(X509_check_ca(ca_cert.get()) >= 1);
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
  auto now = std::chrono::system_clock::now();
  auto ca = issueCa(now, std::chrono::hours(24));
  REQUIRE(ca.ok());
  auto material = issueServingCert(*ca, {"registry.example.svc"}, now, std::chrono::hours(1));
  REQUIRE(material.ok());
  CertPtr ca_cert = readCert(material->caPem);
  CertPtr cert = readCert(material->certPem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca_cert.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert.get(), nullptr);
  X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), "registry.example.svc", 0);
  CHECK(X509_verify_cert(ctx) == 1);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
}

TEST_CASE("certificates start a little early and a serving certificate never outlives its CA") {
  using namespace std::chrono_literals;
  // A fixed clock: 2030-01-01T00:00:00Z.
  const auto now = std::chrono::system_clock::from_time_t(1893456000);
  auto ca = issueCa(now, 24h * 30);
  REQUIRE(ca.ok());
  CertPtr ca_cert = readCert(ca->certPem);
  REQUIRE(ca_cert);
  CHECK(notBefore(ca_cert.get()) == now - 1h);  // an hour for slow clocks
  CHECK(notAfter(ca_cert.get()) == now + 24h * 30);

  auto clamped = issueServingCert(*ca, {"registry.example.svc"}, now + 24h * 20, 24h * 365);
  REQUIRE(clamped.ok());
  CertPtr cert = readCert(clamped->certPem);
  CHECK(notAfter(cert.get()) == now + 24h * 30);

  // A ten-minute certificate starts one minute early (a tenth), not an hour.
  auto short_lived = issueServingCert(*ca, {"registry.example.svc"}, now, 10min);
  REQUIRE(short_lived.ok());
  CertPtr short_cert = readCert(short_lived->certPem);
  CHECK(notBefore(short_cert.get()) == now - 1min);
  CHECK(notAfter(short_cert.get()) == now + 10min);

  // Nothing to sign with: errors, never a crash, and never key material in the message.
  auto expired = issueServingCert(*ca, {"registry.example.svc"}, now + 24h * 31, 1h);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().message().find("expired") != std::string::npos);
  CaMaterial broken = *ca;
  broken.keyPem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto unusable = issueServingCert(broken, {"registry.example.svc"}, now, 1h);
  REQUIRE_FALSE(unusable.ok());
  CHECK(unusable.error().message().find("PRIVATE KEY") == std::string::npos);
  CHECK_FALSE(issueServingCert(*ca, {}, now, 1h).ok());
}

TEST_CASE("tlsPolicyFrom reads the hidden lifetimes") {
  using namespace std::chrono_literals;
  auto defaults = tlsPolicyFrom(nullptr, "");
  REQUIRE(defaults.ok());
  CHECK(defaults->caValidity == 24h * 365 * 10);
  CHECK(defaults->certValidity == 24h * 365 * 2);

  auto short_lived = tlsPolicyFrom("6m", "1h30m");
  REQUIRE(short_lived.ok());
  CHECK(short_lived->caValidity == 6min);
  CHECK(short_lived->certValidity == 90min);

  for (const char* bad : {"10", "-5m", "30s", "ten minutes", "1.5h", "876001h"}) {
    INFO(bad);
    auto refused = tlsPolicyFrom(bad, nullptr);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind() == kube::ErrorKind::Config);
    CHECK(refused.error().message().find(kCaValidityEnv) != std::string::npos);
  }
  auto refused = tlsPolicyFrom(nullptr, "0m");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message().find(kCertValidityEnv) != std::string::npos);
}

TEST_CASE("tlsMaterialProblem says why material must be re-issued") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  auto now = std::chrono::system_clock::now();
  auto names = serviceDnsNames(config);
  auto issue = [&] {
    auto ca = issueCa(now, TlsPolicy{}.caValidity);
    REQUIRE(ca.ok());
    auto serving = issueServingCert(*ca, registryDnsNames(config), now, TlsPolicy{}.certValidity);
    REQUIRE(serving.ok());
    return *serving;
  };
  TlsMaterial material = issue();
  TlsMaterial other = issue();

  TlsMaterial wrong_ca = material;
  wrong_ca.caPem = other.caPem;
  CHECK(tlsMaterialProblem(wrong_ca, names, now) == "the certificate is not signed by the CA");

  TlsMaterial wrong_key = material;
  wrong_key.keyPem = other.keyPem;
  CHECK(tlsMaterialProblem(wrong_key, names, now) ==
        "the private key does not match the certificate");

  TlsMaterial garbage = {"not a pem", material.certPem, material.keyPem};
  CHECK(tlsMaterialProblem(garbage, names, now) == "the CA certificate does not parse");
  CHECK(tlsMaterialProblem({material.caPem, "", material.keyPem}, names, now) ==
        "the serving certificate does not parse");

  CHECK(tlsMaterialProblem(material, {"other.registry.svc"}, now) ==
        "the certificate does not cover other.registry.svc");

  using namespace std::chrono_literals;
  CHECK(tlsMaterialProblem(material, names, now + 24h * 365 * 2) == "a certificate expires soon");
  CHECK(tlsMaterialProblem(material, names, now, 24h * 365 * 3) == "a certificate expires soon");
  CHECK(tlsMaterialProblem(material, names, now - 2h) == "a certificate is not yet valid");
}

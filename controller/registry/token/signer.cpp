#include "registry/token/signer.h"

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "registry/token/key_id.h"
#include "runtime/hex.h"

namespace registry::token {

namespace {

kube::Error configError(std::string message) {
  return kube::Error(kube::ErrorKind::Config, std::move(message));
}

kube::Result<std::string> readFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return configError("cannot read the " + what + " " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return configError("cannot read the " + what + " " + path);
  return text.str();
}

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

BioPtr memoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
}

// The curve of an EC key, by its OpenSSL 3 group name ("prime256v1" for P-256).
std::string curveName(EVP_PKEY* key) {
  char name[64] = {0};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", name, sizeof name, &length) != 1) return {};
  return std::string(name, length);
}

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

std::string randomTokenId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  return runtime::toHex(bytes, sizeof bytes);
}

nlohmann::json accessJson(const std::vector<Scope>& access) {
  auto entries = nlohmann::json::array();
  for (const auto& scope : access) {
    nlohmann::json entry = {{"type", scope.type}, {"name", scope.name}, {"actions", scope.actions}};
    if (!scope.resource_class.empty()) entry["class"] = scope.resource_class;
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace

Signer::Signer(std::string key_pem, std::string key_id, SignerOptions options)
    : key_pem_(std::move(key_pem)), key_id_(std::move(key_id)), options_(std::move(options)) {}

Signer::~Signer() {
  if (!key_pem_.empty()) OPENSSL_cleanse(key_pem_.data(), key_pem_.size());
}

kube::Result<SignerPtr> Signer::fromPem(const std::string& key_pem,
                                        const std::string& certificate_pem, SignerOptions options) {
  if (options.audience.empty()) return configError("the token service (audience) is empty");
  if (options.issuer.empty()) return configError("the token issuer is empty");
  auto key_bio = memoryBio(key_pem);
  KeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  ERR_clear_error();
  if (!key) return configError("the signing key is not a PEM private key");
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC || curveName(key.get()) != "prime256v1") {
    return configError("the signing key is not an EC P-256 key (ES256 needs one)");
  }
  auto cert_bio = memoryBio(certificate_pem);
  CertPtr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), X509_free);
  ERR_clear_error();
  if (!cert) return configError("the signing certificate is not a PEM certificate");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return configError(
        "the signing certificate does not hold the signing key's public key (the registry "
        "would refuse every token)");
  }
  auto key_id = libtrustKeyIdOfCertificate(certificate_pem);
  if (!key_id) return key_id.error();
  return SignerPtr(new Signer(key_pem, *key_id, std::move(options)));
}

kube::Result<SignerPtr> Signer::fromFiles(const std::string& key_path,
                                          const std::string& certificate_path,
                                          SignerOptions options) {
  auto key = readFile(key_path, "signing key");
  if (!key) return key.error();
  auto cert = readFile(certificate_path, "signing certificate");
  if (!cert) return cert.error();
  auto signer = fromPem(*key, *cert, std::move(options));
  OPENSSL_cleanse(key->data(), key->size());
  if (!signer) return signer.error().withContext(key_path + ", " + certificate_path);
  return signer;
}

kube::Result<MintedToken> Signer::mint(const std::string& subject, const std::vector<Scope>& access,
                                       std::chrono::system_clock::time_point now) const {
  return mint(subject, access, now, options_.ttl);
}

kube::Result<MintedToken> Signer::mint(const std::string& subject, const std::vector<Scope>& access,
                                       std::chrono::system_clock::time_point now,
                                       std::chrono::seconds ttl) const {
  auto failed = [](const std::string& step) {
    return kube::Error(kube::ErrorKind::Other, "cannot sign a token: " + step);
  };
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return failed("jwt_new");
  std::unique_ptr<jwt_t, JwtDeleter> jwt(raw);
  // libjwt (1.10, OpenSSL backend) writes ES256 signatures as JWS wants them, R||S of 32 bytes
  // each, not DER: libtrust in the registry verifies exactly that (tests/token checks it).
  if (jwt_set_alg(jwt.get(), JWT_ALG_ES256, reinterpret_cast<const unsigned char*>(key_pem_.data()),
                  static_cast<int>(key_pem_.size())) != 0) {
    return failed("the key is not usable for ES256");
  }
  // libjwt adds "typ":"JWT" itself; the kid is how the registry finds the certificate.
  if (jwt_add_header(jwt.get(), "kid", key_id_.c_str()) != 0) return failed("kid");
  const long iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto jti = randomTokenId();
  if (jti.empty()) return failed("no randomness for jti");
  nlohmann::json claims = {
      {"iss", options_.issuer},
      {"sub", subject},
      {"aud", options_.audience},
      {"exp", iat + ttl.count()},
      {"nbf", iat - kClockSkewAllowance.count()},
      {"iat", iat},
      {"jti", jti},
      {"access", accessJson(access)},
  };
  if (jwt_add_grants_json(jwt.get(), claims.dump().c_str()) != 0) return failed("claims");
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return failed("signing failed");
  MintedToken minted{encoded, ttl, now};
  free(encoded);  // NOLINT: allocated by libjwt with malloc
  return minted;
}

}  // namespace registry::token

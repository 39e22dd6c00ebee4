#pragma once

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "kube/base64.h"
#include "kube/object.h"

namespace token_testing {

inline std::string readTestdata(const std::string& name) {
  std::ifstream in(std::string(TESTDATA_DIR) + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string base64UrlDecode(std::string text) {
  for (auto& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text += '=';
  return kube::base64Decode(text).value_or("<not base64url>");
}

struct DecodedJwt {
  kube::Json header;
  kube::Json claims;
  std::string signed_part;  // header.claims as sent
  std::string signature;    // raw bytes
};

inline DecodedJwt decodeJwt(const std::string& token) {
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  DecodedJwt out;
  out.header = kube::Json::parse(base64UrlDecode(token.substr(0, first)), nullptr, false);
  out.claims = kube::Json::parse(base64UrlDecode(token.substr(first + 1, second - first - 1)),
                                 nullptr, false);
  out.signed_part = token.substr(0, second);
  out.signature = base64UrlDecode(token.substr(second + 1));
  return out;
}

// Verifies a JWS ES256 signature (R||S, 32 bytes each) with the public key of a PEM certificate,
// with OpenSSL directly: independent of libjwt, which made it.
inline bool verifyEs256(const DecodedJwt& jwt, const std::string& certificate_pem) {
  if (jwt.signature.size() != 64) return false;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(X509_get_pubkey(cert.get()),
                                                          EVP_PKEY_free);
  const auto* raw = reinterpret_cast<const unsigned char*>(jwt.signature.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_size = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_size),
                             reinterpret_cast<const unsigned char*>(jwt.signed_part.data()),
                             jwt.signed_part.size()) == 1;
  OPENSSL_free(der);
  return ok;
}

}  // namespace token_testing

#include "registry/token/key_id.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>

namespace registry::token {

namespace {

// libtrust's keyIDEncode: base32 of the first 30 bytes of the digest, so exactly 48 characters
// and no padding, then ':' after every fourth.
std::string base32Grouped(const unsigned char* bytes, std::size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string plain;
  unsigned buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | bytes[i];
    bits += 8;
    while (bits >= 5) {
      plain += kAlphabet[(buffer >> (bits - 5)) & 0x1f];
      bits -= 5;
    }
  }
  if (bits > 0) plain += kAlphabet[(buffer << (5 - bits)) & 0x1f];
  std::string grouped;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (i > 0 && i % 4 == 0) grouped += ':';
    grouped += plain[i];
  }
  return grouped;
}

}  // namespace

std::string libtrustKeyId(std::string_view subject_public_key_info_der) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(subject_public_key_info_der.data()),
         subject_public_key_info_der.size(), digest);
  return base32Grouped(digest, 30);  // 240 bits
}

kube::Result<std::string> libtrustKeyIdOfCertificate(const std::string& certificate_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  ERR_clear_error();
  if (!cert) {
    return kube::Error(kube::ErrorKind::Config, "the signing certificate is not a PEM certificate");
  }
  unsigned char* der = nullptr;
  int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
  if (size <= 0) {
    ERR_clear_error();
    return kube::Error(kube::ErrorKind::Config,
                       "cannot encode the signing certificate's public key");
  }
  std::string spki(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  return libtrustKeyId(spki);
}

}  // namespace registry::token

#include "registry/render/bcrypt.h"

#include <crypt.h>

#include <algorithm>
#include <array>
#include <memory>

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace registry {

namespace {

constexpr std::size_t kMaxPasswordBytes = 72;
// "$2b$10$" + 22 characters of salt + 31 of hash.
constexpr std::size_t kBcryptLength = 60;

bool isBcryptBase64(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '/';
}

// crypt_r of `password` with the setting (or whole hash) `setting`, or "" when libcrypt refuses
// it. crypt_data is 32 KiB: on the heap, and wiped afterwards, as it held the password.
std::string cryptWith(std::string_view password, const std::string& setting) {
  std::string key(password);  // NUL-terminated for crypt_r
  auto data = std::make_unique<crypt_data>();
  std::fill_n(reinterpret_cast<unsigned char*>(data.get()), sizeof(crypt_data), 0);
  const char* hashed = crypt_r(key.c_str(), setting.c_str(), data.get());
  // libxcrypt answers a failure with a string starting with '*' rather than a null pointer.
  std::string result = hashed != nullptr && hashed[0] != '*' ? std::string(hashed) : std::string();
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  OPENSSL_cleanse(key.data(), key.size());
  return result;
}

}  // namespace

std::optional<std::string> bcryptPasswordProblem(std::string_view password) {
  if (password.empty()) return "is empty";
  if (password.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (password.size() > kMaxPasswordBytes) {
    return "is longer than 72 bytes, of which bcrypt would read only the first 72";
  }
  return std::nullopt;
}

bool isBcryptHash(std::string_view hash) {
  if (hash.size() != kBcryptLength || hash.substr(0, 2) != "$2") return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[3] != '$' || hash[6] != '$') return false;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  return std::all_of(hash.begin() + 7, hash.end(), isBcryptBase64);
}

kube::Result<std::string> bcryptHash(std::string_view password) {
  if (auto problem = bcryptPasswordProblem(password)) {
    return kube::Error(kube::ErrorKind::Invalid, "the password " + *problem);
  }
  std::array<unsigned char, 16> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return kube::Error(kube::ErrorKind::Other, "cannot hash a password: RAND_bytes failed");
  }
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
  if (crypt_gensalt_rn("$2b$", kBcryptCost, reinterpret_cast<const char*>(random.data()),
                       static_cast<int>(random.size()), setting.data(),
                       static_cast<int>(setting.size())) == nullptr) {
    return kube::Error(kube::ErrorKind::Other, "cannot hash a password: crypt_gensalt_rn failed");
  }
  std::string hash = cryptWith(password, setting.data());
  if (!isBcryptHash(hash)) {
    return kube::Error(kube::ErrorKind::Other, "cannot hash a password: crypt_r failed");
  }
  return hash;
}

bool bcryptMatches(std::string_view password, std::string_view hash) {
  if (!isBcryptHash(hash) || bcryptPasswordProblem(password)) return false;
  const std::string computed = cryptWith(password, std::string(hash));
  return computed.size() == hash.size() &&
         CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

}  // namespace registry

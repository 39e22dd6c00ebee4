#include "registry/render/generated_user.h"

#include <array>

#include <openssl/rand.h>

#include "registry/render/bcrypt.h"
#include "registry/render/htpasswd_file.h"

namespace registry {

namespace {

constexpr std::size_t kPasswordLength = 32;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// The hash of the one entry of a stored htpasswd, whatever its user ("" when there is none).
std::string storedHash(const std::string& htpasswd) {
  auto entries = readHtpasswd(htpasswd, "");
  if (!entries || entries->size() != 1) return {};
  return entries->front().hash;
}

GeneratedUser credentials(const std::string& username, const std::string& password,
                          const std::string& hash) {
  return {username, password, writeHtpasswd({{username, hash, 1}})};
}

}  // namespace

kube::Result<std::string> generatePassword() {
  std::string password;
  // Rejection sampling: only bytes below the largest multiple of the alphabet's size, so that
  // every character is equally likely.
  constexpr unsigned kLimit = 256 - 256 % kAlphabet.size();
  while (password.size() < kPasswordLength) {
    std::array<unsigned char, 64> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return kube::Error(kube::ErrorKind::Other, "cannot generate a password: RAND_bytes failed");
    }
    for (unsigned char byte : bytes) {
      if (byte < kLimit && password.size() < kPasswordLength) {
        password += kAlphabet[byte % kAlphabet.size()];
      }
    }
  }
  return password;
}

std::optional<GeneratedUser> reusableUser(const std::string& username,
                                          const std::optional<StoredUser>& stored) {
  if (!stored || stored->password.empty()) return std::nullopt;
  const std::string hash = storedHash(stored->htpasswd);
  if (!bcryptMatches(stored->password, hash)) return std::nullopt;
  return credentials(username, stored->password, hash);
}

kube::Result<GeneratedUser> ensureGeneratedUser(const std::string& username,
                                                const std::optional<StoredUser>& stored,
                                                const std::string& source) {
  if (auto kept = reusableUser(username, stored)) return *kept;
  std::string password;
  if (stored && !stored->password.empty()) {
    password = stored->password;
    if (auto problem = bcryptPasswordProblem(password)) {
      return kube::Error(kube::ErrorKind::Invalid, source + ": key password " + *problem);
    }
  } else {
    auto generated = generatePassword();
    if (!generated) return generated.error();
    password = *generated;
  }
  auto hash = bcryptHash(password);
  if (!hash) return hash.error();
  return credentials(username, password, *hash);
}

}  // namespace registry

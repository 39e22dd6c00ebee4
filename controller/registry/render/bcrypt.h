#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kube/result.h"

namespace registry {

// bcrypt, the one password hash distribution 2.8 checks htpasswd entries with, through
// libxcrypt (crypt_r, crypt_gensalt_rn).

// The work factor of the hashes the operator makes: 2^10 rounds, Go's bcrypt.DefaultCost, about
// 60 ms on one core here. The registry checks the hash again on every request that carries a
// Basic header, so a higher cost would slow every push and pull.
inline constexpr int kBcryptCost = 10;

// Why bcrypt cannot hash `password` faithfully, or nothing: an empty password, a NUL byte
// (crypt_r reads a C string and would ignore the rest) or more than 72 bytes (bcrypt reads only
// the first 72, so two such passwords would log in as each other). Never contains the password.
std::optional<std::string> bcryptPasswordProblem(std::string_view password);

// A new $2b$ hash of `password` at kBcryptCost with a salt of 16 bytes from OpenSSL's CSPRNG.
// Error kind Invalid (bcryptPasswordProblem) or Other (libcrypt failed); messages never contain
// the password.
kube::Result<std::string> bcryptHash(std::string_view password);

// Whether `hash` is a well-formed bcrypt hash ($2a$, $2b$ or $2y$, a cost of 04 to 31, 22
// characters of salt and 31 of hash in bcrypt's base64) that `password` verifies against.
// Anything but bcrypt is false, so that an entry of another kind is never kept.
bool bcryptMatches(std::string_view password, std::string_view hash);

// Whether `hash` has the form described above (the password is not looked at).
bool isBcryptHash(std::string_view hash);

}  // namespace registry

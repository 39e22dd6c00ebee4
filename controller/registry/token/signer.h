#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kube/result.h"
#include "registry/token/scope.h"

namespace registry::token {

// What every token of one token service says besides its grants.
struct SignerOptions {
  std::string issuer = "registry-operator";  // `iss`; the registry's auth.token.issuer
  std::string audience;                      // `aud`; the registry's auth.token.service
  std::chrono::seconds ttl{300};             // `exp` - `iat`
};

// How far before `iat` a token is already valid (`nbf`), so that a registry whose clock is a
// little behind ours does not refuse a token it just received.
inline constexpr std::chrono::seconds kClockSkewAllowance{10};

struct MintedToken {
  std::string token;
  std::chrono::seconds expires_in{0};
  std::chrono::system_clock::time_point issued_at;
};

// Signs registry bearer tokens (the distribution token spec) with an EC P-256 key, as ES256
// JWTs whose `kid` names the key the way the registry's rootcertbundle knows it (key_id.h).
// The key never leaves this object: errors name files and problems, never key material.
// Thread-safe: mint() only reads.
class Signer {
 public:
  // Checks that the key is an EC P-256 private key and that the certificate (the one the
  // registry trusts) holds its public key, so a mismatch fails at start, not on every pull.
  static kube::Result<std::shared_ptr<Signer>> fromPem(const std::string& key_pem,
                                                       const std::string& certificate_pem,
                                                       SignerOptions options);
  static kube::Result<std::shared_ptr<Signer>> fromFiles(const std::string& key_path,
                                                         const std::string& certificate_path,
                                                         SignerOptions options);
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // A token for `subject` (the username; empty for anonymous) granting exactly `access`, issued
  // at `now`. Claims: iss, sub, aud (one string: distribution 2.8 refuses an array), exp, nbf,
  // iat, jti (random), access ([{type, [class,] name, actions}]).
  kube::Result<MintedToken> mint(const std::string& subject, const std::vector<Scope>& access,
                                 std::chrono::system_clock::time_point now) const;
  // The same with another lifetime (a negative one mints an expired token, for tests).
  kube::Result<MintedToken> mint(const std::string& subject, const std::vector<Scope>& access,
                                 std::chrono::system_clock::time_point now,
                                 std::chrono::seconds ttl) const;

  const std::string& keyId() const { return key_id_; }
  const SignerOptions& options() const { return options_; }

 private:
  Signer(std::string key_pem, std::string key_id, SignerOptions options);

  std::string key_pem_;  // what libjwt takes; wiped on destruction
  std::string key_id_;
  SignerOptions options_;
};
using SignerPtr = std::shared_ptr<Signer>;

}  // namespace registry::token

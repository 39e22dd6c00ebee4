#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "registry/token/access_review.h"
#include "registry/token/scope.h"
#include "registry/token/signer.h"
#include "runtime/clock.h"

namespace registry::token {

// One HTTP request to the token service, as the listener hands it over: nothing of cpprestsdk,
// so that every decision below is a unit test away.
struct TokenRequest {
  std::string method = "GET";
  std::string path;           // "/auth/token", percent-encoded as received
  std::string query;          // "service=...&scope=..." (no '?'), percent-encoded as received
  std::string authorization;  // the Authorization header, empty when absent
  std::string remote_address;
};

struct TokenResponse {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;
  // The one log line of this request: who, what was asked, what was granted, the status and
  // where from. Never the token or the Authorization header. Empty for /healthz.
  std::string log_line;
};

struct TokenServiceOptions {
  std::string service;  // the registry's auth.token.service; requests must name it
  // Anonymous requests get pull on every repository (and nothing else) instead of a 401.
  bool anonymous_pull = false;
};

inline constexpr const char* kRealmPath = "/auth/token";
inline constexpr const char* kHealthPath = "/healthz";
// The realm of the Basic challenge sent to anonymous requests, so clients send credentials.
inline constexpr const char* kBasicRealm = "registry-operator";

// The token service of `auth.type: Kubernetes`. A client presents HTTP Basic credentials whose
// password is a Kubernetes bearer token (the username is ignored, as on OpenShift); the token
// is checked and each requested action decided by the API server with the caller's own token
// (AccessReviewer), and the registry token grants exactly the allowed subset:
//   repository:<ns>/<path>:pull|push|delete|*  → verbs get|update|delete on
//       imageregistry.io/repositories, namespace <ns>, name <path>; `*` only when all three are
//       allowed, else the allowed ones of pull, push and delete;
//   repository:<name without a namespace>:...  → never granted;
//   registry:catalog:*                         → verb list at cluster scope;
//   anything else                              → not granted.
// Thread-safe.
class TokenHandler {
 public:
  TokenHandler(TokenServiceOptions options, SignerPtr signer, AccessReviewerPtr reviewer,
               runtime::ClockPtr clock);

  TokenResponse handle(const TokenRequest& request) const;

 private:
  TokenServiceOptions options_;
  SignerPtr signer_;
  AccessReviewerPtr reviewer_;
  runtime::ClockPtr clock_;
};

// Splits a query string into decoded name/value pairs ('+' and %20 are spaces), in order;
// a malformed escape is kept as it is.
std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query);

// "Basic base64(user:password)" → the password; nullopt when the header is absent, not Basic,
// or not decodable. The username is not returned: the token service ignores it.
std::optional<std::string> basicPassword(const std::string& authorization);

// "2024-05-01T12:00:00Z"
std::string rfc3339(std::chrono::system_clock::time_point time);

}  // namespace registry::token

#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace oci {

// One challenge of a WWW-Authenticate header (RFC 7235 §4.1).
struct Challenge {
  std::string scheme;                         // lower-cased: "bearer", "basic"
  std::map<std::string, std::string> params;  // names lower-cased, values unquoted
};

// Parses a WWW-Authenticate value, which may hold several challenges (and does when a
// transport joins repeated headers with ", "):
//   Bearer realm="https://auth/token",service="registry",scope="repository:a/b:pull,delete"
// Quoted values may contain commas, '=' and backslash escapes. Never fails: what cannot be
// read is skipped (a token68, a parameter without a value), and a header with nothing
// readable gives no challenge.
std::vector<Challenge> parseWwwAuthenticate(std::string_view header);

// The first challenge of `scheme` (lower-case), or nullptr.
const Challenge* findChallenge(const std::vector<Challenge>& challenges, std::string_view scheme);

}  // namespace oci

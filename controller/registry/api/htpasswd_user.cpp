#include "registry/api/htpasswd_user.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace registry {

bool isHtpasswdUserName(std::string_view name) {
  if (name.empty() || name.size() > kMaxHtpasswdUserLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '@' ||
           c == '+' || c == '-';
  });
}

std::string quotedForMessage(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace registry

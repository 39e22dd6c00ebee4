#include "registry/render/htpasswd_file.h"

#include <algorithm>
#include <cctype>

#include "registry/api/htpasswd_user.h"
#include "registry/render/bcrypt.h"

namespace registry {

namespace {

constexpr std::size_t kMaxReported = 5;

std::string_view trimmed(std::string_view text) {
  const char* space = " \t\r\n\v\f";
  const auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// What a hash that is not usable bcrypt looks like, to tell the administrator what to redo.
std::string kindOf(std::string_view hash) {
  if (hash.empty()) return "no password hash";
  if (startsWith(hash, "$apr1$")) return "an MD5 ($apr1$) hash";
  if (startsWith(hash, "{SHA}")) return "a SHA-1 ({SHA}) hash";
  if (startsWith(hash, "$1$")) return "an MD5-crypt ($1$) hash";
  if (startsWith(hash, "$5$")) return "a SHA-256-crypt ($5$) hash";
  if (startsWith(hash, "$6$")) return "a SHA-512-crypt ($6$) hash";
  if (startsWith(hash, "$2")) return "a malformed bcrypt hash";
  const bool des =
      hash.size() == 13 && std::all_of(hash.begin(), hash.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '/';
      });
  if (des) return "a DES crypt hash";
  return "not a password hash (plain text?)";
}

}  // namespace

kube::Result<std::vector<HtpasswdEntry>> readHtpasswd(std::string_view content,
                                                      const std::string& source) {
  std::vector<HtpasswdEntry> entries;
  std::vector<std::string> refused;
  std::size_t refused_count = 0;
  auto refuse = [&](std::string message) {
    if (++refused_count <= kMaxReported) refused.push_back(std::move(message));
  };
  int number = 0;
  std::size_t start = 0;
  while (start <= content.size()) {
    std::size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = trimmed(content.substr(start, end - start));
    start = end + 1;
    ++number;
    if (line.empty() || line.front() == '#') continue;
    const std::string at = "line " + std::to_string(number);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      refuse(at + ": not of the form user:hash");
      continue;
    }
    std::string_view user = line.substr(0, colon);
    std::string_view hash = line.substr(colon + 1);
    if (user.empty()) {
      refuse(at + ": no user name before the ':'");
      continue;
    }
    if (!isBcryptHash(hash)) {
      refuse(at + " (user " + quotedForMessage(user) + "): " + kindOf(hash));
      continue;
    }
    entries.push_back({std::string(user), std::string(hash), number});
  }
  if (refused_count > 0) {
    std::string message = source +
                          ": the registry accepts bcrypt entries only ($2y$, $2a$ or "
                          "$2b$, as `htpasswd -B` makes them): ";
    for (std::size_t i = 0; i < refused.size(); ++i) message += (i ? "; " : "") + refused[i];
    if (refused_count > refused.size()) {
      message += "; and " + std::to_string(refused_count - refused.size()) + " more lines";
    }
    return kube::Error(kube::ErrorKind::Invalid, message);
  }
  return entries;
}

std::string writeHtpasswd(const std::vector<HtpasswdEntry>& entries) {
  std::string out;
  for (const auto& entry : entries) out += entry.user + ":" + entry.hash + "\n";
  return out;
}

}  // namespace registry

#include "oci/url.h"

#include <cctype>

namespace oci {

kube::Result<SplitUrl> splitUrl(std::string_view url) {
  auto invalid = [&](std::string_view why) {
    // A user:password@ part is not repeated: the message may reach a log.
    std::string shown(url);
    const auto scheme = shown.find("://");
    const auto start = scheme == std::string::npos ? 0 : scheme + 3;
    const auto at = shown.find('@', start);
    if (at != std::string::npos && at < shown.find_first_of("/?#", start)) {
      shown.replace(start, at - start, "***");
    }
    return kube::Error(kube::ErrorKind::Config,
                       "invalid URL \"" + shown + "\": " + std::string(why));
  };
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return invalid("not an absolute http(s) URL");
  std::string scheme(url.substr(0, scheme_end));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return invalid("the scheme must be http or https");
  std::string_view rest = url.substr(scheme_end + 3);
  std::size_t authority_end = rest.find_first_of("/?#");
  std::string authority(rest.substr(0, authority_end));
  if (authority.empty() || authority.front() == ':') return invalid("no host");
  if (authority.find('@') != std::string::npos) return invalid("credentials in a URL");
  for (char c : authority) {
    if (std::isspace(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) < 0x20) {
      return invalid("blank or control character in the host");
    }
  }
  for (char& c : authority) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string target =
      authority_end == std::string_view::npos ? "" : std::string(rest.substr(authority_end));
  if (auto hash = target.find('#'); hash != std::string::npos) target.erase(hash);
  if (target.empty() || target.front() != '/') target = "/" + target;
  return SplitUrl{scheme + "://" + authority, std::move(target)};
}

std::string percentEncode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

}  // namespace oci

#pragma once

#include <string>
#include <string_view>

#include "kube/result.h"

namespace oci {

// An absolute http(s) URL cut where a transport needs it: the origin it connects to and the
// target it requests there.
struct SplitUrl {
  std::string origin;  // "https://auth.example.com:5001" (scheme and host lower-cased)
  std::string target;  // "/token?service=x", "/" when the URL has no path
};

// Only http and https with a host; a fragment is dropped. Error kind Config otherwise (the
// URL came from the command line or from a registry's header).
kube::Result<SplitUrl> splitUrl(std::string_view url);

// Percent-encodes everything but RFC 3986 unreserved characters: for query values.
std::string percentEncode(std::string_view text);

}  // namespace oci

#include "oci/bearer_token.h"

#include <algorithm>

#include "oci/json_fields.h"

namespace oci {

kube::Result<SplitUrl> tokenRequestUrl(const Challenge& bearer, const std::string& wanted_scope) {
  auto realm = bearer.params.find("realm");
  if (realm == bearer.params.end() || realm->second.empty()) {
    return kube::Error(kube::ErrorKind::Config, "the registry's Bearer challenge has no realm");
  }
  auto url = splitUrl(realm->second);
  if (!url) return url.error().withContext("the registry's token realm");
  std::string query;
  auto add = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    query += query.empty() ? "" : "&";
    query += std::string(name) + "=" + percentEncode(value);
  };
  if (auto service = bearer.params.find("service"); service != bearer.params.end()) {
    add("service", service->second);
  }
  auto scope = bearer.params.find("scope");
  const std::string& scopes =
      scope != bearer.params.end() && !scope->second.empty() ? scope->second : wanted_scope;
  // One `scope` parameter per space-separated entry, as the spec asks (a mount needs push on
  // one repository and pull on another).
  for (std::size_t start = 0; start < scopes.size();) {
    std::size_t end = std::min(scopes.find(' ', start), scopes.size());
    add("scope", scopes.substr(start, end - start));
    start = end + 1;
  }
  if (!query.empty()) {
    url->target += url->target.find('?') == std::string::npos ? "?" : "&";
    url->target += query;
  }
  return url;
}

kube::Result<BearerToken> parseTokenResponse(std::string_view body) {
  auto document = parseJsonObject(body, "token response");
  if (!document) return document.error();
  BearerToken result;
  auto token = optionalString(*document, "token", "");
  if (!token) return token.error();
  auto access_token = optionalString(*document, "access_token", "");
  if (!access_token) return access_token.error();
  if (*token && !(*token)->empty()) {
    result.token = std::move(**token);
  } else if (*access_token && !(*access_token)->empty()) {
    result.token = std::move(**access_token);
  } else {
    return fieldError("token", "is required");
  }
  // It goes into an Authorization header: nothing there may break the header's line.
  for (unsigned char c : result.token) {
    if (c <= 0x20 || c >= 0x7f) return fieldError("token", "holds a character a header cannot");
  }
  auto expires_in = optionalCount(*document, "expires_in", "");
  if (!expires_in) return expires_in.error();
  if (*expires_in && **expires_in > 0) {
    // A day is plenty for one prune; a bigger number is a server's mistake, not a promise.
    result.expires_in = std::chrono::seconds(std::min<std::int64_t>(**expires_in, 86400));
  }
  return result;
}

}  // namespace oci

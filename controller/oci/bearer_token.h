#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "kube/result.h"
#include "oci/url.h"
#include "oci/www_authenticate.h"

namespace oci {

// The token flow of the registry's token authentication (distribution's docs/spec/auth): a 401
// with `WWW-Authenticate: Bearer realm=...,service=...,scope=...` sends the client to the realm
// for a token that grants that scope.

// The GET for a token: the realm with `service` and `scope` added to its query. The scope is
// the challenge's, else `wanted_scope` (what the request needs); several scopes, separated by
// spaces ("repository:a:pull,push repository:b:pull"), become one `scope` parameter each. Error
// (Config) when the realm is missing or not an http(s) URL.
kube::Result<SplitUrl> tokenRequestUrl(const Challenge& bearer, const std::string& wanted_scope);

struct BearerToken {
  std::string token;
  // How long the server says it lasts; 60 s when it does not say, as the spec defines.
  std::chrono::seconds expires_in{60};
};

// The token server's answer: {"token": "...", "access_token": "...", "expires_in": 300}.
// `token` wins over `access_token` (the spec: both may come, and mean the same). Errors never
// quote the body, which holds the token.
kube::Result<BearerToken> parseTokenResponse(std::string_view body);

}  // namespace oci

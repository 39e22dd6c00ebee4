#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kube/result.h"

namespace registry::token {

// One resource scope of the distribution token spec, as a client asks for it and as a token
// grants it (the token's `access` entries have the same shape):
//   scope          := resourcetype ":" resourcename ":" action ("," action)*
//   resourcetype   := type ("(" class ")")?        e.g. repository, repository(plugin), registry
// Repository names hold no ':' (a registry host with a port is never part of the name the
// registry checks), so a scope is exactly three ':'-separated parts.
struct Scope {
  std::string type;            // "repository", "registry"
  std::string resource_class;  // "plugin" of "repository(plugin)"; usually empty
  std::string name;            // "team-a/app", "catalog"
  std::vector<std::string> actions;

  bool operator==(const Scope&) const = default;
};

// The most scopes one request may ask for: a client asks for a handful (the image it copies, the
// one it mounts from); hundreds would only make the token service send hundreds of reviews.
inline constexpr std::size_t kMaxScopes = 32;

// Parses one scope. The error (kind BadRequest) quotes the scope, cut to a few dozen characters.
kube::Result<Scope> parseScope(std::string_view text);

// Parses every `scope` query value of one request: a value may hold several scopes separated by
// spaces, and the parameter may repeat. Scopes of the same resource are merged into one, their
// actions in the order first asked for, without repeats (one access entry per resource).
kube::Result<std::vector<Scope>> parseScopes(const std::vector<std::string>& values);

// "repository:team-a/app:pull,push", "repository(plugin):x/y:pull"; for logs and tests.
std::string formatScope(const Scope& scope);
// The scopes separated by spaces, or "-" when there are none (a login).
std::string formatScopes(const std::vector<Scope>& scopes);

}  // namespace registry::token

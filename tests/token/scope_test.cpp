#include <catch2/catch.hpp>

#include "registry/token/scope.h"

using registry::token::formatScopes;
using registry::token::parseScope;
using registry::token::parseScopes;
using registry::token::Scope;

TEST_CASE("token scope: type, name and comma-separated actions") {
  auto scope = parseScope("repository:team-a/app:pull,push");
  REQUIRE(scope.ok());
  CHECK(*scope == Scope{"repository", "", "team-a/app", {"pull", "push"}});

  auto deep = parseScope("repository:team-a/apps/web_1.x:*");
  REQUIRE(deep.ok());
  CHECK(deep->name == "team-a/apps/web_1.x");
  CHECK(deep->actions == std::vector<std::string>{"*"});
}

TEST_CASE("token scope: the catalog and a resource class") {
  auto catalog = parseScope("registry:catalog:*");
  REQUIRE(catalog.ok());
  CHECK(*catalog == Scope{"registry", "", "catalog", {"*"}});

  auto plugin = parseScope("repository(plugin):team-a/app:pull");
  REQUIRE(plugin.ok());
  CHECK(plugin->type == "repository");
  CHECK(plugin->resource_class == "plugin");
  CHECK(formatScopes({*plugin}) == "repository(plugin):team-a/app:pull");
}

TEST_CASE("token scope: malformed scopes are refused and quoted, cut short") {
  for (const char* bad :
       {"", "repository", "repository:team-a/app", "repository:team-a/app:", ":team-a/app:pull",
        "repository::pull", "repository:a:b:pull", "repository:localhost:5000/app:pull",
        "repository:team-a/app:pull,,push", "Repository:team-a/app:pull",
        "repository(:team-a/app:pull", "repository(plug in):a/b:pull", "repository:team a/app:pull",
        "repository:team-a/app:pu\"ll"}) {
    INFO(bad);
    auto scope = parseScope(bad);
    REQUIRE_FALSE(scope.ok());
    CHECK(scope.error().is(kube::ErrorKind::BadRequest));
    CHECK(scope.error().message().find("invalid scope") != std::string::npos);
  }
  std::string long_name = "repository:" + std::string(300, 'a') + ":pull";
  auto too_long = parseScope(long_name);
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().message().size() < 200);
  CHECK(too_long.error().message().find("...") != std::string::npos);
}

TEST_CASE("token scope: several scopes per value, repeated values, merged per resource") {
  auto scopes = parseScopes({"repository:team-a/app:pull repository:team-b/base:pull",
                             "repository:team-a/app:push,pull", "  registry:catalog:*  "});
  REQUIRE(scopes.ok());
  REQUIRE(scopes->size() == 3);
  CHECK((*scopes)[0] == Scope{"repository", "", "team-a/app", {"pull", "push"}});
  CHECK((*scopes)[1] == Scope{"repository", "", "team-b/base", {"pull"}});
  CHECK((*scopes)[2] == Scope{"registry", "", "catalog", {"*"}});
  CHECK(formatScopes(*scopes) ==
        "repository:team-a/app:pull,push repository:team-b/base:pull registry:catalog:*");
}

TEST_CASE("token scope: no scope at all is a login, one bad scope spoils the request") {
  auto none = parseScopes({});
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(formatScopes(*none) == "-");

  auto bad = parseScopes({"repository:team-a/app:pull garbage"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("\"garbage\"") != std::string::npos);
}

TEST_CASE("token scope: at most kMaxScopes resources per request") {
  std::vector<std::string> values;
  for (std::size_t i = 0; i <= registry::token::kMaxScopes; ++i) {
    values.push_back("repository:team-a/app" + std::to_string(i) + ":pull");
  }
  auto scopes = parseScopes(values);
  REQUIRE_FALSE(scopes.ok());
  CHECK(scopes.error().message().find("too many scopes") != std::string::npos);
  values.pop_back();
  CHECK(parseScopes(values).ok());
}

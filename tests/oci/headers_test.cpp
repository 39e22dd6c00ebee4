#include <catch2/catch.hpp>

#include "oci/bearer_token.h"
#include "oci/link_header.h"
#include "oci/names.h"
#include "oci/url.h"
#include "oci/www_authenticate.h"

TEST_CASE("a Bearer challenge with a comma inside its quoted scope") {
  auto challenges = oci::parseWwwAuthenticate(
      R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",)"
      R"(scope="repository:team/app:pull,delete")");
  REQUIRE(challenges.size() == 1);
  CHECK(challenges[0].scheme == "bearer");
  CHECK(challenges[0].params.at("realm") == "https://auth.example.com/token");
  CHECK(challenges[0].params.at("service") == "registry.example.com");
  CHECK(challenges[0].params.at("scope") == "repository:team/app:pull,delete");
}

TEST_CASE("several challenges, blanks, escapes, unquoted values and case") {
  auto challenges = oci::parseWwwAuthenticate(
      R"(Basic realm="Registry \"Realm\"" , BEARER Realm=https://a/t , error = "insufficient_scope")");
  REQUIRE(challenges.size() == 2);
  CHECK(challenges[0].scheme == "basic");
  CHECK(challenges[0].params.at("realm") == "Registry \"Realm\"");
  CHECK(challenges[1].scheme == "bearer");
  CHECK(challenges[1].params.at("realm") == "https://a/t");
  CHECK(challenges[1].params.at("error") == "insufficient_scope");
  CHECK(oci::findChallenge(challenges, "bearer") == &challenges[1]);
  CHECK(oci::findChallenge(challenges, "digest") == nullptr);
}

TEST_CASE("odd WWW-Authenticate values never fail") {
  CHECK(oci::parseWwwAuthenticate("").empty());
  CHECK(oci::parseWwwAuthenticate(" , ,").empty());
  auto token68 = oci::parseWwwAuthenticate("Negotiate abc+/def==, Basic realm=x");
  REQUIRE(token68.size() == 2);
  CHECK(token68[0].scheme == "negotiate");
  CHECK(token68[0].params.empty());
  CHECK(token68[1].params.at("realm") == "x");
  auto unterminated = oci::parseWwwAuthenticate(R"(Bearer realm="https://a/t,service=x)");
  REQUIRE(unterminated.size() == 1);
  CHECK(unterminated[0].params.at("realm") == "https://a/t,service=x");
  auto junk = oci::parseWwwAuthenticate(R"(Bearer realm="r"junk, service="s", =x, "q")");
  REQUIRE_FALSE(junk.empty());
  CHECK(junk[0].params.at("realm") == "r");
  CHECK(junk[0].params.at("service") == "s");
}

TEST_CASE("the next link, relative as distribution 2.8 sends it, or absolute") {
  CHECK(oci::nextLink(R"(</v2/_catalog?last=team%2Fb&n=2>; rel="next")") ==
        "/v2/_catalog?last=team%2Fb&n=2");
  CHECK(oci::nextLink("<https://r:5000/v2/_catalog?last=b&n=2>;rel=next") ==
        "https://r:5000/v2/_catalog?last=b&n=2");
  CHECK(oci::nextLink(R"(</prev>; rel="prev", </v2/x?last=1>; title="a, b"; rel="last next")") ==
        "/v2/x?last=1");
  CHECK_FALSE(oci::nextLink(R"(</v2/x>; rel="prev")"));
  CHECK_FALSE(oci::nextLink(""));
  CHECK_FALSE(oci::nextLink("</v2/x; rel=next"));
  CHECK_FALSE(oci::nextLink(R"(</v2/x>; rel="nextish")"));
}

TEST_CASE("URLs split into origin and target") {
  auto url = oci::splitUrl("HTTPS://Auth.Example.com:5001/token?a=b#frag");
  REQUIRE(url);
  CHECK(url->origin == "https://auth.example.com:5001");
  CHECK(url->target == "/token?a=b");
  auto bare = oci::splitUrl("http://127.0.0.1:5000");
  REQUIRE(bare);
  CHECK(bare->target == "/");
  CHECK_FALSE(oci::splitUrl("ftp://x/"));
  CHECK_FALSE(oci::splitUrl("/relative"));
  CHECK_FALSE(oci::splitUrl("https:///path"));
  auto credentials = oci::splitUrl("https://user:pw@host/");
  REQUIRE_FALSE(credentials);
  CHECK(credentials.error().message() == "invalid URL \"https://***@host/\": credentials in a URL");
  CHECK(oci::percentEncode("repository:a/b:pull,push") == "repository%3Aa%2Fb%3Apull%2Cpush");
}

TEST_CASE("the token request carries service and scope") {
  oci::Challenge bearer{"bearer",
                        {{"realm", "https://auth:5001/token?x=1"},
                         {"service", "my registry"},
                         {"scope", "repository:a:pull"}}};
  auto url = oci::tokenRequestUrl(bearer, "repository:a:delete");
  REQUIRE(url);
  CHECK(url->origin == "https://auth:5001");
  CHECK(url->target == "/token?x=1&service=my%20registry&scope=repository%3Aa%3Apull");
  bearer.params.erase("scope");
  CHECK(oci::tokenRequestUrl(bearer, "registry:catalog:*")->target ==
        "/token?x=1&service=my%20registry&scope=registry%3Acatalog%3A%2A");
  bearer.params.erase("realm");
  CHECK_FALSE(oci::tokenRequestUrl(bearer, "x"));
}

TEST_CASE("token responses") {
  auto token = oci::parseTokenResponse(R"({"token":"t1","access_token":"t2","expires_in":300})");
  REQUIRE(token);
  CHECK(token->token == "t1");
  CHECK(token->expires_in == std::chrono::seconds(300));
  auto access = oci::parseTokenResponse(R"({"access_token":"t2"})");
  REQUIRE(access);
  CHECK(access->token == "t2");
  CHECK(access->expires_in == std::chrono::seconds(60));
  auto missing = oci::parseTokenResponse(R"({"expires_in":300})");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message() == "token: is required");
  auto newline = oci::parseTokenResponse("{\"token\":\"secret\\r\\nX-Evil: 1\"}");
  REQUIRE_FALSE(newline);
  CHECK(newline.error().message().find("secret") == std::string::npos);
}

TEST_CASE("repository names and tags follow the API's grammar") {
  CHECK(oci::isValidRepositoryName("team-a/app"));
  CHECK(oci::isValidRepositoryName("a__b/c.d/e--f"));
  CHECK_FALSE(oci::isValidRepositoryName("Team/app"));
  CHECK_FALSE(oci::isValidRepositoryName("../etc"));
  CHECK_FALSE(oci::isValidRepositoryName("a//b"));
  CHECK_FALSE(oci::isValidRepositoryName("a/b?x"));
  CHECK_FALSE(oci::isValidRepositoryName("a._b"));
  CHECK(oci::isValidTag("v1.2.3-rc_1"));
  CHECK_FALSE(oci::isValidTag(".hidden"));
  CHECK_FALSE(oci::isValidTag(std::string(129, 'a')));
  CHECK_FALSE(oci::isValidTag("a/b"));
}

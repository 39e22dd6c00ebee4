#include <catch2/catch.hpp>

#include "registry/token/token_handler.h"
#include "runtime/fake_clock.h"
#include "support/scripted_transport.h"
#include "token_test_support.h"

using registry::token::AccessReviewer;
using registry::token::Signer;
using registry::token::TokenHandler;
using registry::token::TokenRequest;
using registry::token::TokenResponse;
using token_testing::decodeJwt;
using token_testing::readTestdata;

namespace {

const std::string kService = "registry.team-a.svc:5000";
const std::string kToken = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.sig-of-alice";
const std::string kOtherToken = "eyJhbGciOiJSUzI1NiJ9.b3RoZXI.sig-of-bob";

std::string basic(const std::string& user, const std::string& password) {
  return "Basic " + kube::base64Encode(user + ":" + password);
}

std::string whoAmI(const std::string& user) {
  return R"({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","status":{"userInfo":{"username":")" +
         user + R"(","groups":["system:authenticated"]}}})";
}
std::string verdict(bool allowed) {
  return std::string(R"({"kind":"SelfSubjectAccessReview","status":{"allowed":)") +
         (allowed ? "true" : "false") + "}}";
}
const std::string kUnauthorized =
    R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})";

struct Fixture {
  std::shared_ptr<testing::ScriptedTransport> transport =
      std::make_shared<testing::ScriptedTransport>();
  std::shared_ptr<runtime::FakeClock> clock = std::make_shared<runtime::FakeClock>();
  std::shared_ptr<AccessReviewer> reviewer = std::make_shared<AccessReviewer>(transport, clock);
  bool anonymous_pull = false;

  TokenResponse get(const std::string& query, const std::string& authorization) {
    registry::token::SignerOptions signer_options;
    signer_options.audience = kService;
    auto signer =
        Signer::fromPem(readTestdata("signing.key"), readTestdata("signing.crt"), signer_options);
    REQUIRE(signer.ok());
    TokenHandler handler({kService, anonymous_pull}, *signer, reviewer, clock);
    return handler.handle(
        TokenRequest{"GET", "/auth/token", query, authorization, "10.0.0.7:41234"});
  }
};

std::string scopeQuery(const std::string& scope) {
  return "service=registry.team-a.svc%3A5000&scope=" + scope;
}

kube::Json accessOf(const TokenResponse& response) {
  auto body = kube::Json::parse(response.body);
  return decodeJwt(body["token"].get<std::string>()).claims["access"];
}

kube::Json reviewBody(const kube::HttpRequest& request) { return kube::Json::parse(request.body); }

}  // namespace

TEST_CASE("token handler: the exact reviews, sent with the caller's own token") {
  Fixture f;
  f.transport->reply(201, whoAmI("alice"));
  f.transport->reply(201, verdict(true));
  f.transport->reply(201, verdict(false));
  auto response = f.get(scopeQuery("repository%3Ateam-a%2Fapps%2Fweb%3Apull%2Cpush"),
                        basic("whatever-oc-whoami-says", kToken));
  REQUIRE(response.status == 200);

  auto requests = f.transport->requests();
  REQUIRE(requests.size() == 3);
  for (const auto& request : requests) {
    CHECK(request.method == "POST");
    CHECK(request.headers.at("Authorization") == "Bearer " + kToken);
    CHECK(request.headers.at("Content-Type") == "application/json");
  }
  CHECK(requests[0].target == "/apis/authentication.k8s.io/v1/selfsubjectreviews");
  CHECK(
      reviewBody(requests[0]) ==
      kube::Json::parse(R"({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"})"));
  CHECK(requests[1].target == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
  CHECK(reviewBody(requests[1]) == kube::Json::parse(R"({
    "apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview",
    "spec":{"resourceAttributes":{"group":"imageregistry.io","resource":"repositories",
            "namespace":"team-a","name":"apps/web","verb":"get"}}})"));
  CHECK(reviewBody(requests[2])["spec"]["resourceAttributes"]["verb"] == "update");

  // Only the granted subset: pull.
  CHECK(
      accessOf(response) ==
      kube::Json::parse(R"([{"type":"repository","name":"team-a/apps/web","actions":["pull"]}])"));
  auto body = kube::Json::parse(response.body);
  CHECK(body["token"] == body["access_token"]);
  CHECK(body["expires_in"] == 300);
  CHECK(body["issued_at"] == "2023-11-14T22:13:20Z");
  CHECK(response.headers.at("Content-Type") == "application/json");
  CHECK(decodeJwt(body["token"].get<std::string>()).claims["sub"] == "alice");
}

TEST_CASE("token handler: pull, push, delete and * map to get, update, delete") {
  Fixture f;
  f.transport->reply(201, whoAmI("alice"));
  for (int i = 0; i < 3; ++i) f.transport->reply(201, verdict(true));  // a/x:*
  f.transport->reply(201, verdict(true));                              // b/y:* get
  f.transport->reply(201, verdict(false));                             // b/y:* update
  f.transport->reply(201, verdict(true));                              // b/y:* delete
  f.transport->reply(201, verdict(false));                             // c/z:delete
  auto response = f.get("service=" + kService +
                            "&scope=repository:a/x:*+repository:b/y:*&scope=repository:c/z:delete",
                        basic("", kToken));
  REQUIRE(response.status == 200);
  auto verbs = f.transport->requests();
  REQUIRE(verbs.size() == 8);
  std::vector<std::string> asked;
  for (std::size_t i = 1; i < verbs.size(); ++i) {
    auto attributes = reviewBody(verbs[i])["spec"]["resourceAttributes"];
    asked.push_back(attributes["namespace"].get<std::string>() + "/" +
                    attributes["name"].get<std::string>() + ":" +
                    attributes["verb"].get<std::string>());
  }
  CHECK(asked == std::vector<std::string>{"a/x:get", "a/x:update", "a/x:delete", "b/y:get",
                                          "b/y:update", "b/y:delete", "c/z:delete"});
  // All three → *; some → those; none → the scope is left out.
  CHECK(accessOf(response) == kube::Json::parse(R"([
    {"type":"repository","name":"a/x","actions":["*"]},
    {"type":"repository","name":"b/y","actions":["pull","delete"]}])"));
}

TEST_CASE("token handler: the catalog is list at cluster scope, other types are not granted") {
  Fixture f;
  f.transport->reply(201, whoAmI("admin"));
  f.transport->reply(201, verdict(true));
  auto response =
      f.get(scopeQuery("registry:catalog:*+registry:other:*+repository:team-a/app:frobnicate"),
            basic("", kToken));
  REQUIRE(response.status == 200);
  auto requests = f.transport->requests();
  REQUIRE(requests.size() == 2);
  CHECK(
      reviewBody(requests[1])["spec"]["resourceAttributes"] ==
      kube::Json::parse(R"({"group":"imageregistry.io","resource":"repositories","verb":"list"})"));
  CHECK(accessOf(response) ==
        kube::Json::parse(R"([{"type":"registry","name":"catalog","actions":["*"]}])"));
}

TEST_CASE("token handler: a repository without a namespace is never granted, nor asked about") {
  Fixture f;
  f.transport->reply(201, whoAmI("alice"));
  auto response = f.get(scopeQuery("repository:app:pull,push"), basic("", kToken));
  REQUIRE(response.status == 200);
  CHECK(f.transport->requests().size() == 1);
  CHECK(accessOf(response) == kube::Json::array());
}

TEST_CASE("token handler: a login (no scope) gets an empty token for valid credentials") {
  Fixture f;
  f.transport->reply(201, whoAmI("alice"));
  auto response = f.get("account=alice&service=" + kService, basic("alice", kToken));
  REQUIRE(response.status == 200);
  CHECK(accessOf(response) == kube::Json::array());
  CHECK(response.log_line.find("requested [-], granted [-], status 200") != std::string::npos);
}

TEST_CASE("token handler: a token the API server refuses is a 401 with a Basic challenge") {
  Fixture f;
  f.transport->reply(401, kUnauthorized);
  auto response = f.get("service=" + kService, basic("alice", kToken));
  CHECK(response.status == 401);
  CHECK(response.headers.at("WWW-Authenticate") == "Basic realm=\"registry-operator\"");
  CHECK(kube::Json::parse(response.body)["errors"][0]["code"] == "UNAUTHORIZED");

  // Refusals are not cached: the next request asks again.
  f.transport->reply(401, kUnauthorized);
  CHECK(f.get("service=" + kService, basic("alice", kToken)).status == 401);
  CHECK(f.transport->requests().size() == 2);
}

TEST_CASE("token handler: a 401 on an access review is a 401, an unreachable server a 503") {
  Fixture f;
  f.transport->reply(201, whoAmI("alice"));
  f.transport->reply(401, kUnauthorized);
  CHECK(f.get(scopeQuery("repository:a/b:pull"), basic("", kToken)).status == 401);

  Fixture down;
  auto response = down.get(scopeQuery("repository:a/b:pull"), basic("", kToken));  // no script
  CHECK(response.status == 503);
  CHECK(kube::Json::parse(response.body)["errors"][0]["code"] == "UNAVAILABLE");
}

TEST_CASE("token handler: credentials that are not Basic with a password are a 401") {
  Fixture f;
  for (const std::string& header :
       {std::string("Bearer ") + kToken, basic("alice", ""), std::string("Basic !!!"),
        "Basic " + kube::base64Encode("no-colon")}) {
    auto response = f.get("service=" + kService, header);
    CHECK(response.status == 401);
  }
  CHECK(f.transport->requests().empty());
}

TEST_CASE("token handler: another service, none, or two is a 400 naming the problem") {
  Fixture f;
  auto other = f.get("service=registry.team-b.svc%3A5000", basic("", kToken));
  CHECK(other.status == 400);
  auto error = kube::Json::parse(other.body)["errors"][0];
  CHECK(error["code"] == "BAD_REQUEST");
  CHECK(error["message"].get<std::string>().find("registry.team-b.svc:5000") != std::string::npos);
  CHECK(f.get("", basic("", kToken)).status == 400);
  CHECK(f.get("service=" + kService + "&service=" + kService, basic("", kToken)).status == 400);
  CHECK(f.transport->requests().empty());
}

TEST_CASE("token handler: an unparsable scope is a 400 quoting it") {
  Fixture f;
  auto response = f.get(scopeQuery("repository:team-a/app"), basic("", kToken));
  CHECK(response.status == 400);
  CHECK(kube::Json::parse(response.body)["errors"][0]["message"].get<std::string>().find(
            "\"repository:team-a/app\"") != std::string::npos);
  CHECK(f.transport->requests().empty());
}

// Found by tests/fuzz (token_request): the error body quoted the client's bytes as they were, and
// nlohmann::json refuses to dump a string that is not UTF-8, so the handler threw (and the
// exception ended the auth-server's worker thread, the whole process) instead of answering 400.
TEST_CASE("token handler: a scope or service that is not UTF-8 is a 400 with a JSON body") {
  Fixture f;
  // A byte that is no UTF-8 at all, in a scope, and a service name cut by the quote inside a
  // two-byte character (63 ASCII bytes, then U+00E9).
  for (const std::string& query :
       {scopeQuery("repository%3Ateam-a%2F%FFapp%3Apull"), scopeQuery("%C3"),
        "service=" + std::string(63, 'r') + "%C3%A9&scope=repository%3Ateam-a%2Fapp%3Apull"}) {
    INFO(query);
    TokenResponse response;
    REQUIRE_NOTHROW(response = f.get(query, basic("", kToken)));
    CHECK(response.status == 400);
    auto body = kube::Json::parse(response.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body["errors"][0]["code"] == "BAD_REQUEST");
    CHECK_FALSE(response.log_line.empty());
  }
  CHECK(f.transport->requests().empty());
}

TEST_CASE("token handler: anonymous without anonymous pull is asked for credentials") {
  Fixture f;
  auto response = f.get(scopeQuery("repository:team-a/app:pull"), "");
  CHECK(response.status == 401);
  CHECK(response.headers.at("WWW-Authenticate") == "Basic realm=\"registry-operator\"");
  CHECK(response.log_line.find("user anonymous") != std::string::npos);
  CHECK(f.transport->requests().empty());
}

TEST_CASE("token handler: anonymous pull grants pull on namespaced repositories only") {
  Fixture f;
  f.anonymous_pull = true;
  auto response =
      f.get(scopeQuery("repository:team-a/app:pull,push+repository:team-b/x:*+repository:app:pull+"
                       "registry:catalog:*+repository:team-c/y:push"),
            "");
  REQUIRE(response.status == 200);
  CHECK(f.transport->requests().empty());
  CHECK(accessOf(response) == kube::Json::parse(R"([
    {"type":"repository","name":"team-a/app","actions":["pull"]},
    {"type":"repository","name":"team-b/x","actions":["pull"]}])"));
  auto body = kube::Json::parse(response.body);
  CHECK(decodeJwt(body["token"].get<std::string>()).claims["sub"] == "");
}

TEST_CASE("token handler: answers are cached per token for ten seconds") {
  Fixture f;
  f.transport->reply(201, whoAmI("alice"));
  f.transport->reply(201, verdict(true));
  const auto query = scopeQuery("repository:team-a/app:pull");
  REQUIRE(f.get(query, basic("", kToken)).status == 200);
  REQUIRE(f.transport->requests().size() == 2);

  // The same token and question: no review.
  REQUIRE(f.get(query, basic("someone-else", kToken)).status == 200);
  CHECK(f.transport->requests().size() == 2);

  // Another token: reviewed afresh.
  f.transport->reply(201, whoAmI("bob"));
  f.transport->reply(201, verdict(false));
  auto bob = f.get(query, basic("", kOtherToken));
  REQUIRE(bob.status == 200);
  CHECK(f.transport->requests().size() == 4);
  CHECK(accessOf(bob) == kube::Json::array());

  // After the TTL, alice's token is reviewed again (and is now revoked).
  f.clock->advance(std::chrono::seconds(11));
  f.transport->reply(401, kUnauthorized);
  CHECK(f.get(query, basic("", kToken)).status == 401);
  CHECK(f.transport->requests().size() == 5);
}

TEST_CASE("token handler: POST, other paths and /healthz") {
  Fixture f;
  registry::token::SignerOptions signer_options;
  signer_options.audience = kService;
  auto signer =
      Signer::fromPem(readTestdata("signing.key"), readTestdata("signing.crt"), signer_options);
  REQUIRE(signer.ok());
  TokenHandler handler({kService, false}, *signer, f.reviewer, f.clock);
  CHECK(handler.handle({"POST", "/auth/token", "", basic("", kToken), "x"}).status == 404);
  CHECK(handler.handle({"GET", "/v2/", "", "", "x"}).status == 404);
  auto health = handler.handle({"GET", "/healthz", "", "", "x"});
  CHECK(health.status == 200);
  CHECK(health.body == "ok");
  CHECK(health.log_line.empty());
  CHECK(f.transport->requests().empty());
}

TEST_CASE("token handler: no log line or error body holds the token or the header") {
  Fixture f;
  const std::string header = basic("alice", kToken);
  std::vector<TokenResponse> responses;
  f.transport->reply(201, whoAmI("alice"));
  f.transport->reply(201, verdict(true));
  responses.push_back(f.get(scopeQuery("repository:team-a/app:pull"), header));
  responses.push_back(f.get("service=other", header));
  responses.push_back(f.get(scopeQuery("bad"), header));
  f.transport->reply(401, kUnauthorized);
  responses.push_back(f.get(scopeQuery("repository:team-b/app:pull"), basic("alice", kOtherToken)));
  responses.push_back(f.get(scopeQuery("repository:team-c/app:pull"), basic("x", kOtherToken)));
  for (const auto& response : responses) {
    INFO(response.log_line);
    CHECK_FALSE(response.log_line.empty());
    for (const std::string& secret : {kToken, kOtherToken, header, kube::base64Encode(kToken),
                                      std::string("c2VjcmV0LXRva2Vu"), std::string("sig-of-")}) {
      CHECK(response.log_line.find(secret) == std::string::npos);
      if (response.status != 200) CHECK(response.body.find(secret) == std::string::npos);
    }
  }
  CHECK(responses[0].log_line ==
        "token request from 10.0.0.7:41234: user alice, requested [repository:team-a/app:pull], "
        "granted [repository:team-a/app:pull], status 200");
}

TEST_CASE("token handler: query and Basic header helpers") {
  using registry::token::basicPassword;
  using registry::token::parseQuery;
  auto pairs = parseQuery("scope=repository%3Aa%2Fb%3Apull+registry:catalog:*&flag&x=%zz&=v");
  REQUIRE(pairs.size() == 4);
  CHECK(pairs[0] == std::make_pair(std::string("scope"),
                                   std::string("repository:a/b:pull registry:catalog:*")));
  CHECK(pairs[1] == std::make_pair(std::string("flag"), std::string()));
  CHECK(pairs[2].second == "%zz");
  CHECK(basicPassword("basic " + kube::base64Encode("u:p:q")) == std::optional<std::string>("p:q"));
  CHECK_FALSE(basicPassword("").has_value());
  CHECK_FALSE(basicPassword("Digest abc").has_value());
}

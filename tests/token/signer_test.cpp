#include <catch2/catch.hpp>

#include "registry/token/signer.h"
#include "token_test_support.h"

using registry::token::Scope;
using registry::token::Signer;
using registry::token::SignerOptions;
using token_testing::decodeJwt;
using token_testing::readTestdata;

namespace {

SignerOptions options() {
  SignerOptions out;
  out.issuer = "registry-operator";
  out.audience = "registry.team-a.svc:5000";
  out.ttl = std::chrono::minutes(5);
  return out;
}

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));

}  // namespace

TEST_CASE("token signer: an ES256 JWT with the libtrust kid, verifiable with the certificate") {
  auto signer =
      Signer::fromPem(readTestdata("signing.key"), readTestdata("signing.crt"), options());
  REQUIRE(signer.ok());
  auto kid = readTestdata("signing.kid");
  kid.erase(kid.find_last_not_of("\n") + 1);
  CHECK((*signer)->keyId() == kid);

  auto minted = (*signer)->mint("system:serviceaccount:team-a:builder",
                                {Scope{"repository", "", "team-a/app", {"pull", "push"}},
                                 Scope{"registry", "", "catalog", {"*"}}},
                                kNow);
  REQUIRE(minted.ok());
  CHECK(minted->expires_in == std::chrono::seconds(300));
  CHECK(minted->issued_at == kNow);

  auto jwt = decodeJwt(minted->token);
  CHECK(jwt.header["alg"] == "ES256");
  CHECK(jwt.header["typ"] == "JWT");
  CHECK(jwt.header["kid"] == kid);
  // R||S, as JWS and libtrust want, not a DER ECDSA-Sig-Value.
  CHECK(jwt.signature.size() == 64);
  CHECK(token_testing::verifyEs256(jwt, readTestdata("signing.crt")));

  CHECK(jwt.claims["iss"] == "registry-operator");
  CHECK(jwt.claims["sub"] == "system:serviceaccount:team-a:builder");
  // One string: distribution 2.8 refuses an array here.
  CHECK(jwt.claims["aud"].is_string());
  CHECK(jwt.claims["aud"] == "registry.team-a.svc:5000");
  CHECK(jwt.claims["iat"] == 1700000000);
  CHECK(jwt.claims["nbf"] == 1700000000 - 10);
  CHECK(jwt.claims["exp"] == 1700000000 + 300);
  CHECK(jwt.claims["jti"].is_string());
  CHECK(jwt.claims["jti"].get<std::string>().size() == 32);
  CHECK(jwt.claims["access"] ==
        kube::Json::parse(R"([{"type":"repository","name":"team-a/app","actions":["pull","push"]},
                              {"type":"registry","name":"catalog","actions":["*"]}])"));
}

TEST_CASE("token signer: empty access, a class, a random jti and another lifetime") {
  auto signer =
      Signer::fromPem(readTestdata("signing.key"), readTestdata("signing.crt"), options());
  REQUIRE(signer.ok());
  auto login = (*signer)->mint("", {}, kNow);
  REQUIRE(login.ok());
  auto jwt = decodeJwt(login->token);
  CHECK(jwt.claims["access"] == kube::Json::array());
  CHECK(jwt.claims["sub"] == "");

  auto plugin = (*signer)->mint("u", {Scope{"repository", "plugin", "a/b", {"pull"}}}, kNow,
                                std::chrono::seconds(-60));
  REQUIRE(plugin.ok());
  auto expired = decodeJwt(plugin->token);
  CHECK(expired.claims["access"][0]["class"] == "plugin");
  CHECK(expired.claims["exp"] == 1700000000 - 60);
  CHECK(expired.claims["jti"] != jwt.claims["jti"]);
}

TEST_CASE("token signer: a key that is not EC P-256 or does not match the certificate") {
  auto rsa = Signer::fromPem(readTestdata("rsa.key"), readTestdata("signing.crt"), options());
  REQUIRE_FALSE(rsa.ok());
  CHECK(rsa.error().message().find("EC P-256") != std::string::npos);

  auto other = Signer::fromPem(readTestdata("other.key"), readTestdata("signing.crt"), options());
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().message().find("does not hold the signing key") != std::string::npos);

  auto garbage =
      Signer::fromPem("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
                      readTestdata("signing.crt"), options());
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().message().find("c2VjcmV0") == std::string::npos);

  auto no_cert = Signer::fromPem(readTestdata("signing.key"), "", options());
  REQUIRE_FALSE(no_cert.ok());

  auto files = Signer::fromFiles(std::string(TESTDATA_DIR) + "/missing.key",
                                 std::string(TESTDATA_DIR) + "/signing.crt", options());
  REQUIRE_FALSE(files.ok());
  CHECK(files.error().message().find("missing.key") != std::string::npos);
}

TEST_CASE("token signer: no key material in any error") {
  const auto key = readTestdata("signing.key");
  // The key as the certificate, the certificate as the key: both refused, neither echoed.
  auto swapped = Signer::fromPem(readTestdata("signing.crt"), key, options());
  REQUIRE_FALSE(swapped.ok());
  auto body = key.substr(key.find('\n') + 1, 40);
  CHECK(swapped.error().message().find(body) == std::string::npos);
}

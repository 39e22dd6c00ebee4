#include <catch2/catch.hpp>

#include "registry/token/key_id.h"
#include "token_test_support.h"

using token_testing::readTestdata;

TEST_CASE("token key id: libtrust's kid of a certificate, against one computed with openssl") {
  auto expected = readTestdata("signing.kid");
  expected.erase(expected.find_last_not_of("\n") + 1);
  auto kid = registry::token::libtrustKeyIdOfCertificate(readTestdata("signing.crt"));
  REQUIRE(kid.ok());
  CHECK(*kid == expected);
  CHECK(kid->size() == 48 + 11);
}

TEST_CASE("token key id: base32 of the first 240 bits of the SHA-256, in groups of four") {
  // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855; its
  // first 30 bytes in base32 (RFC 4648), as python3's base64.b32encode gives them.
  CHECK(registry::token::libtrustKeyId("") ==
        "4OYM:IQUY:7QOB:JGX3:6TEJ:S35Z:EQT2:4QPE:MSNZ:GTFE:SWMR:W6CS");
}

TEST_CASE("token key id: what is not a certificate is an error") {
  auto kid = registry::token::libtrustKeyIdOfCertificate("not a certificate");
  REQUIRE_FALSE(kid.ok());
  CHECK(kid.error().is(kube::ErrorKind::Config));
}

#include <catch2/catch.hpp>

#include "kube/base64.h"

TEST_CASE("base64 round trips every length") {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    REQUIRE(kube::base64Decode(kube::base64Encode(bytes)) == bytes);
    bytes += static_cast<char>(i * 37);
  }
  CHECK(kube::base64Encode("registry") == "cmVnaXN0cnk=");
  CHECK(kube::base64Decode("cmVn\naXN0cnk=") == std::string("registry"));
}

TEST_CASE("malformed base64 is refused") {
  CHECK_FALSE(kube::base64Decode("cmVn*XN0"));
  CHECK_FALSE(kube::base64Decode("cmVnaXN0cnk=x"));
  CHECK_FALSE(kube::base64Decode("a"));
  CHECK_FALSE(kube::base64Decode("a==="));
  CHECK_FALSE(kube::base64Decode("ab="));
}

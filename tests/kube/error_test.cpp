#include <catch2/catch.hpp>

#include "kube/error.h"

using kube::ErrorKind;

TEST_CASE("metav1.Status bodies become typed errors") {
  auto error = kube::errorFromResponse(
      404,
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"configmaps \"x\" not found","reason":"NotFound","code":404})");
  CHECK(error.kind() == ErrorKind::NotFound);
  CHECK(error.httpCode() == 404);
  CHECK(error.reason() == "NotFound");
  CHECK(error.message() == "configmaps \"x\" not found");
  CHECK_FALSE(error.isRetryable());
  CHECK(error.describe() == "NotFound (404): configmaps \"x\" not found");
}

TEST_CASE("409 AlreadyExists and Conflict are told apart by reason") {
  auto exists =
      kube::errorFromResponse(409, R"({"kind":"Status","reason":"AlreadyExists","message":"m"})");
  auto conflict =
      kube::errorFromResponse(409, R"({"kind":"Status","reason":"Conflict","message":"m"})");
  CHECK(exists.kind() == ErrorKind::AlreadyExists);
  CHECK(conflict.kind() == ErrorKind::Conflict);
  CHECK(conflict.isRetryable());
}

TEST_CASE("Retry-After comes from the header or from details.retryAfterSeconds") {
  auto from_header = kube::errorFromResponse(429, "{}", "7");
  CHECK(from_header.kind() == ErrorKind::TooManyRequests);
  REQUIRE(from_header.retryAfter());
  CHECK(from_header.retryAfter()->count() == 7);
  auto from_details = kube::errorFromResponse(
      429, R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":3}})");
  REQUIRE(from_details.retryAfter());
  CHECK(from_details.retryAfter()->count() == 3);
  CHECK_FALSE(kube::errorFromResponse(429, "{}", "soon").retryAfter());
}

TEST_CASE("malformed or foreign error bodies still classify by HTTP code") {
  CHECK(kube::errorFromResponse(503, "<html>bad gateway</html>").kind() == ErrorKind::Server);
  CHECK(kube::errorFromResponse(410, "").kind() == ErrorKind::Gone);
  CHECK(kube::errorFromResponse(422, "{\"kind\":\"Status\"").kind() == ErrorKind::Invalid);
  CHECK(kube::errorFromResponse(401, "[1,2]").kind() == ErrorKind::Unauthorized);
  CHECK(kube::errorFromResponse(403, "null").kind() == ErrorKind::Forbidden);
  CHECK(kube::errorFromResponse(418, "teapot").kind() == ErrorKind::Other);
  // Control characters from a hostile body never reach a log line.
  auto error = kube::errorFromResponse(500, std::string("a\nb\x01", 4));
  CHECK(error.message() == "a b ");
  CHECK(kube::errorFromResponse(500, "").message() == "HTTP 500");
}

TEST_CASE("error bodies with odd types or bytes never throw and stay printable ASCII") {
  auto odd_kind = kube::errorFromResponse(500, R"({"kind":5,"message":[1]})");
  CHECK(odd_kind.kind() == ErrorKind::Server);
  auto binary = kube::errorFromResponse(502, std::string("\xff\xfe caf\xc3\xa9", 8));
  for (char c : binary.message()) CHECK(static_cast<unsigned char>(c) < 0x7f);
}

#include <catch2/catch.hpp>

#include "kube/error.h"
#include "kube/result.h"

using kube::ErrorKind;

TEST_CASE("metav1.Status bodies become typed errors") {
  auto error = kube::errorFromResponse(
      404,
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"configmaps \"x\" not found","reason":"NotFound","code":404})");
  CHECK(error.kind() == ErrorKind::NotFound);
  CHECK(error.httpCode() == 404);
  CHECK(error.reason() == "NotFound");
  CHECK(error.message() == "configmaps \"x\" not found");
  CHECK(error.describe() == "NotFound (404): configmaps \"x\" not found");
}

TEST_CASE("409 AlreadyExists and Conflict are told apart by reason") {
  auto exists =
      kube::errorFromResponse(409, R"({"kind":"Status","reason":"AlreadyExists","message":"m"})");
  auto conflict =
      kube::errorFromResponse(409, R"({"kind":"Status","reason":"Conflict","message":"m"})");
  CHECK(exists.kind() == ErrorKind::AlreadyExists);
  CHECK(conflict.kind() == ErrorKind::Conflict);
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

TEST_CASE("a huge Retry-After, in the header or in the Status details, is capped") {
  // A confused or hostile server must not park a controller for days; the cap is what callers
  // wait at most, so a huge value still means "back off", just not for longer than the cap.
  struct Case {
    const char* body;
    const char* header;
  };
  const Case cases[] = {
      {"{}", "86399"},
      {"{}", "99999999999999999999999"},
      {R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":86400}})", ""},
      {R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":9223372036854775807}})",
       ""},
      {R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":18446744073709551615}})",
       ""},
  };
  for (const auto& c : cases) {
    INFO(c.body << " / " << c.header);
    auto error = kube::errorFromResponse(429, c.body, c.header);
    REQUIRE(error.retryAfter());
    CHECK(*error.retryAfter() == kube::kMaxRetryAfter);
  }
  CHECK(kube::kMaxRetryAfter == std::chrono::seconds(60));
  // Values under the cap are kept as they are; negative ones are ignored.
  CHECK(*kube::errorFromResponse(429, "{}", "60").retryAfter() == std::chrono::seconds(60));
  CHECK_FALSE(kube::errorFromResponse(429, "{}", "-5").retryAfter());
  CHECK_FALSE(
      kube::errorFromResponse(429, R"({"kind":"Status","details":{"retryAfterSeconds":-5}})")
          .retryAfter());
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

TEST_CASE("withContext prefixes the message and keeps kind, code, reason and Retry-After") {
  auto throttled = kube::errorFromResponse(
      429, R"({"kind":"Status","reason":"TooManyRequests","message":"slow down"})", "7");
  auto error = throttled.withContext("applying Service a");
  CHECK(error.message() == "applying Service a: slow down");
  CHECK(error.kind() == ErrorKind::TooManyRequests);
  CHECK(error.httpCode() == 429);
  CHECK(error.reason() == "TooManyRequests");
  REQUIRE(error.retryAfter());
  CHECK(error.retryAfter()->count() == 7);
  CHECK(error.describe() == "TooManyRequests (429): applying Service a: slow down");
  // Layers stack outermost first; the original is left as it was.
  CHECK(error.withContext("reconciling ns/a").message() ==
        "reconciling ns/a: applying Service a: slow down");
  CHECK(throttled.message() == "slow down");
  // Nothing to add, or nothing to add to.
  CHECK(throttled.withContext("").message() == "slow down");
  CHECK(kube::Error(ErrorKind::Other, "").withContext("deleting Pod p").message() ==
        "deleting Pod p");
}

TEST_CASE("withMessage replaces only the message") {
  auto throttled = kube::errorFromResponse(
      429, R"({"kind":"Status","reason":"TooManyRequests","message":"slow down"})", "7");
  auto error = throttled.withMessage("cannot read Secret \"s\" in namespace a");
  CHECK(error.message() == "cannot read Secret \"s\" in namespace a");
  CHECK(error.kind() == ErrorKind::TooManyRequests);
  CHECK(error.httpCode() == 429);
  CHECK(error.reason() == "TooManyRequests");
  REQUIRE(error.retryAfter());
  CHECK(error.retryAfter()->count() == 7);
}

TEST_CASE("ignoreNotFound turns NotFound into an empty value and keeps every other error") {
  const kube::Error not_found(ErrorKind::NotFound, "configmaps \"x\" not found", 404, "NotFound");
  const kube::Error forbidden(ErrorKind::Forbidden, "no", 403, "Forbidden");

  auto found = kube::ignoreNotFound(kube::Result<int>(5));
  REQUIRE(found);
  REQUIRE(*found);
  CHECK(**found == 5);

  auto absent = kube::ignoreNotFound(kube::Result<int>(not_found));
  REQUIRE(absent);
  CHECK_FALSE(absent->has_value());

  auto failed = kube::ignoreNotFound(kube::Result<int>(forbidden));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind() == ErrorKind::Forbidden);
  CHECK(failed.error().httpCode() == 403);

  // Without a value: whether the object was there.
  auto removed = kube::ignoreNotFound(kube::Result<void>());
  REQUIRE(removed);
  CHECK(*removed);
  auto already_gone = kube::ignoreNotFound(kube::Result<void>(not_found));
  REQUIRE(already_gone);
  CHECK_FALSE(*already_gone);
  auto refused = kube::ignoreNotFound(kube::Result<void>(forbidden));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().reason() == "Forbidden");
}

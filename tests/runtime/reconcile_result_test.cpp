#include <catch2/catch.hpp>

#include "runtime/reconcile_result.h"

using namespace std::chrono_literals;
using runtime::ReconcileError;
using runtime::ReconcileResult;

TEST_CASE("reconcile result: an API error is kept whole, retried, and keeps its Retry-After") {
  const auto throttled =
      kube::Error(kube::ErrorKind::TooManyRequests, "slow down", 429, "TooManyRequests", 7s)
          .withContext("applying Service a");
  ReconcileResult result = throttled;  // `return api_error;` in a reconciler
  REQUIRE_FALSE(result.ok());
  const auto& error = result.error();
  CHECK_FALSE(error.isTerminal());
  CHECK(error.message() == "TooManyRequests (429): applying Service a: slow down");
  REQUIRE(error.retryAfter());
  CHECK(*error.retryAfter() == 7s);
  REQUIRE(error.kubeError());
  CHECK(error.kubeError()->kind() == kube::ErrorKind::TooManyRequests);
  CHECK(error.kubeError()->httpCode() == 429);
  CHECK(error.kubeError()->reason() == "TooManyRequests");
  CHECK(error.kubeError()->message() == "applying Service a: slow down");
}

TEST_CASE("reconcile result: every API error kind is retried unless the reconciler says terminal") {
  // As in controller-runtime: a Forbidden can end with an RBAC fix, which enqueues nothing.
  for (auto kind : {kube::ErrorKind::Forbidden, kube::ErrorKind::Invalid,
                    kube::ErrorKind::BadRequest, kube::ErrorKind::Conflict}) {
    ReconcileError error = kube::Error(kind, "refused");
    CHECK_FALSE(error.isTerminal());
    CHECK_FALSE(error.retryAfter());
  }
  const kube::Error invalid(kube::ErrorKind::Invalid, "spec.replicas: must be >= 0", 422,
                            "Invalid");
  auto terminal = ReconcileError::terminal(invalid);
  CHECK(terminal.isTerminal());
  CHECK(terminal.message() == invalid.describe());
  REQUIRE(terminal.kubeError());
  CHECK(terminal.kubeError()->kind() == kube::ErrorKind::Invalid);
  CHECK(terminal.kubeError()->httpCode() == 422);
}

TEST_CASE("reconcile result: errors of the reconciler's own carry no API error") {
  ReconcileResult plain = ReconcileError("try again");
  REQUIRE_FALSE(plain.ok());
  CHECK_FALSE(plain.error().kubeError());
  CHECK_FALSE(plain.error().isTerminal());
  auto terminal = ReconcileError::terminal("invalid spec: x");
  CHECK(terminal.isTerminal());
  CHECK_FALSE(terminal.kubeError());
  CHECK(terminal.message() == "invalid spec: x");
}

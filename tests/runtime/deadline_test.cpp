#include <chrono>
#include <memory>

#include <catch2/catch.hpp>

#include "kube/cancel.h"
#include "runtime/deadline.h"
#include "runtime/fake_clock.h"

using namespace std::chrono_literals;

TEST_CASE("deadline: the token fires at the deadline on the clock, not before") {
  auto clock = std::make_shared<runtime::FakeClock>();
  runtime::Deadline deadline(clock, clock->now() + 10s);
  const auto token = deadline.token();
  clock->advance(9s);
  CHECK_FALSE(deadline.expired());
  CHECK_FALSE(token.cancelled());
  // Its watcher is not a sleeper: tests that step code by its sleeps are not disturbed.
  CHECK(clock->sleepers() == 0);
  clock->advance(1s);
  CHECK(deadline.expired());
  CHECK(token.sleepFor(10s) == false);  // woken by the deadline, not by the 10 s
}

TEST_CASE("deadline: the token fires with its parent, and after destruction not at all") {
  auto clock = std::make_shared<runtime::FakeClock>();
  kube::CancelToken parent;
  {
    runtime::Deadline deadline(clock, clock->now() + 10s, parent);
    parent.cancel();
    CHECK(deadline.token().cancelled());
    CHECK_FALSE(deadline.expired());
  }
  kube::CancelToken kept;
  {
    runtime::Deadline deadline(clock, clock->now() + 10s, kube::CancelToken());
    kept = deadline.token();
  }
  clock->advance(1min);
  CHECK_FALSE(kept.cancelled());
  // A deadline already passed fires at once.
  runtime::Deadline past(clock, clock->now() - 1s);
  CHECK(past.token().sleepFor(10s) == false);
}

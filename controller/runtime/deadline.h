#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "kube/cancel.h"
#include "runtime/clock.h"

namespace runtime {

// A cancel token that fires at a point in time on a Clock, to bound a whole sequence of
// requests by one deadline (each kube::Api request has its own timeout; this bounds their sum,
// e.g. a leader's read-then-update renewal by its renew deadline). It also fires when `parent`
// fires, so one token carries both "shutting down" and "out of time".
//
// One thread watches the deadline for the life of the object. It waits with
// Clock::waitUntil, not sleepFor, so FakeClock::sleepers() does not count it: tests that step
// the code under test by its sleeps see the same sleepers with or without a Deadline in use.
//
// The destructor stops watching (and unsubscribes from `parent`); copies of token() stay
// valid, they just no longer fire on their own.
class Deadline {
 public:
  Deadline(ClockPtr clock, Clock::TimePoint at,
           std::optional<kube::CancelToken> parent = std::nullopt);
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  const kube::CancelToken& token() const { return token_; }
  Clock::TimePoint at() const { return at_; }
  // True once the deadline has passed on the clock, whatever else fired the token.
  bool expired() const { return clock_->now() >= at_; }

 private:
  ClockPtr clock_;
  Clock::TimePoint at_;
  kube::CancelToken token_;
  std::optional<kube::CancelToken> parent_;
  std::size_t parent_subscription_ = 0;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace runtime

#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include "runtime/clock.h"

namespace runtime {

// A Clock that moves only when a test calls advance(). Lives in the library (not under tests/)
// because every layer above runtime needs one for its own unit tests.
//
// Waiters are woken by advance(). Because advance() cannot take the waiter's own mutex (it does
// not know it, and taking it could deadlock), a wake-up that races with a waiter going to sleep
// could be lost; waiters therefore also re-check every millisecond of real time. That bounds the
// latency of a lost wake-up without any test ever sleeping for a fake duration.
class FakeClock : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point wall_start =
                         std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));

  TimePoint now() const override;
  std::chrono::system_clock::time_point wallNow() const override;
  void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) override;
  bool sleepFor(Duration duration, const kube::CancelToken& cancel) override;

  // Moves both clocks forward and wakes every waiter so it re-checks its deadline.
  void advance(Duration by);

  // Number of threads currently inside sleepFor().
  int sleepers() const;
  // Blocks (in real time, up to `timeout`) until at least `count` threads are inside sleepFor().
  // Lets a test advance time only once the code under test is actually waiting.
  bool awaitSleepers(int count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable sleepers_changed_;
  TimePoint now_;
  std::chrono::system_clock::time_point wall_;
  std::multiset<std::condition_variable*> waiters_;
  int sleepers_ = 0;
};

}  // namespace runtime

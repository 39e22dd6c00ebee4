#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "kube/cancel.h"

namespace runtime {

// Time as the runtime sees it. Every component that waits or timestamps takes a Clock, so unit
// tests drive time with FakeClock instead of sleeping (Envoy's TimeSource habit).
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;

  // Monotonic time for deadlines and backoff.
  virtual TimePoint now() const = 0;
  // Wall-clock time for what goes into API objects (Lease renewTime, Event eventTime, conditions).
  virtual std::chrono::system_clock::time_point wallNow() const = 0;

  // Waits on `cv` (with `lock` held) until notified or until `deadline` on this clock; may wake
  // spuriously, so callers re-check their predicate in a loop, as with any condition variable.
  virtual void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) = 0;

  // Sleeps for `duration` on this clock. Returns false if `cancel` fired first.
  virtual bool sleepFor(Duration duration, const kube::CancelToken& cancel) = 0;
};
using ClockPtr = std::shared_ptr<Clock>;

class RealClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point wallNow() const override {
    return std::chrono::system_clock::now();
  }
  void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) override {
    cv.wait_until(lock, deadline);
  }
  bool sleepFor(Duration duration, const kube::CancelToken& cancel) override {
    return cancel.sleepFor(duration);
  }
};

// The process-wide real clock (stateless, so one shared instance is enough).
ClockPtr realClock();

}  // namespace runtime

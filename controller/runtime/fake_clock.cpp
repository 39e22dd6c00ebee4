#include "runtime/fake_clock.h"

#include <memory>

namespace runtime {

namespace {
// How often a waiter re-checks fake time on its own (see the class comment).
constexpr auto kRecheck = std::chrono::milliseconds(1);
}  // namespace

FakeClock::FakeClock(std::chrono::system_clock::time_point wall_start)
    : now_(TimePoint(std::chrono::hours(1000))), wall_(wall_start) {}

Clock::TimePoint FakeClock::now() const {
  std::lock_guard guard(mutex_);
  return now_;
}

std::chrono::system_clock::time_point FakeClock::wallNow() const {
  std::lock_guard guard(mutex_);
  return wall_;
}

void FakeClock::waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          TimePoint deadline) {
  {
    std::lock_guard guard(mutex_);
    if (now_ >= deadline) return;
    waiters_.insert(&cv);
  }
  cv.wait_for(lock, kRecheck);
  std::lock_guard guard(mutex_);
  waiters_.erase(waiters_.find(&cv));
}

bool FakeClock::sleepFor(Duration duration, const kube::CancelToken& cancel) {
  // Shared with the cancel callback, which may outlive this frame if the token runs callbacks
  // after unsubscribe() returns.
  struct Local {
    std::mutex mutex;
    std::condition_variable cv;
  };
  auto local = std::make_shared<Local>();
  const auto deadline = now() + duration;
  const auto id = cancel.onCancel([local] {
    std::lock_guard guard(local->mutex);
    local->cv.notify_all();
  });
  {
    std::lock_guard guard(mutex_);
    ++sleepers_;
  }
  sleepers_changed_.notify_all();
  {
    std::unique_lock lock(local->mutex);
    while (!cancel.cancelled() && now() < deadline) waitUntil(local->cv, lock, deadline);
  }
  {
    std::lock_guard guard(mutex_);
    --sleepers_;
  }
  sleepers_changed_.notify_all();
  cancel.unsubscribe(id);
  return !cancel.cancelled();
}

void FakeClock::advance(Duration by) {
  std::lock_guard guard(mutex_);
  now_ += by;
  wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(by);
  for (auto* cv : waiters_) cv->notify_all();
}

int FakeClock::sleepers() const {
  std::lock_guard guard(mutex_);
  return sleepers_;
}

bool FakeClock::awaitSleepers(int count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return sleepers_changed_.wait_for(lock, timeout, [&] { return sleepers_ >= count; });
}

}  // namespace runtime

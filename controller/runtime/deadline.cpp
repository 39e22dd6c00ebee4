#include "runtime/deadline.h"

namespace runtime {

Deadline::Deadline(ClockPtr clock, Clock::TimePoint at, std::optional<kube::CancelToken> parent)
    : clock_(clock ? std::move(clock) : realClock()), at_(at), parent_(std::move(parent)) {
  if (parent_) parent_subscription_ = parent_->onCancel([token = token_] { token.cancel(); });
  watcher_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    // waitUntil may wake spuriously (FakeClock re-checks every millisecond): loop on the clock.
    while (!stopping_ && clock_->now() < at_) clock_->waitUntil(wake_, lock, at_);
    if (stopping_) return;
    lock.unlock();
    token_.cancel();
  });
}

Deadline::~Deadline() {
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  watcher_.join();
  if (parent_) parent_->unsubscribe(parent_subscription_);
}

}  // namespace runtime

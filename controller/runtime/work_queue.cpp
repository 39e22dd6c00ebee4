#include "runtime/work_queue.h"

#include <algorithm>

namespace runtime {

WorkQueue::WorkQueue(std::string name, ClockPtr clock, MetricsPtr metrics,
                     RateLimiterPtr rate_limiter)
    : name_(std::move(name)),
      clock_(clock ? std::move(clock) : realClock()),
      metrics_(std::move(metrics)),
      rate_limiter_(rate_limiter ? std::move(rate_limiter)
                                 : std::make_unique<ItemExponentialRateLimiter>()) {
  std::lock_guard guard(mutex_);
  updateDepthLocked();
}

void WorkQueue::add(const ObjectKey& key) {
  {
    std::lock_guard guard(mutex_);
    addLocked(key);
  }
  changed_.notify_one();
}

void WorkQueue::addLocked(const ObjectKey& key) {
  if (shutting_down_) return;
  // Already queued, or already marked to run again after the worker holding it is done.
  if (!dirty_.insert(key).second) return;
  if (metrics_) metrics_->queueAdds(name_).Increment();
  if (processing_.count(key)) return;  // done() queues it again
  queue_.push_back(key);
  updateDepthLocked();
}

void WorkQueue::addAfter(const ObjectKey& key, Clock::Duration delay) {
  if (delay <= Clock::Duration::zero()) {
    add(key);
    return;
  }
  {
    std::lock_guard guard(mutex_);
    if (shutting_down_) return;
    const auto ready_at = clock_->now() + delay;
    auto [it, inserted] = waiting_at_.emplace(key, ready_at);
    if (!inserted) {
      if (it->second <= ready_at) return;
      it->second = ready_at;
    }
    waiting_.push({ready_at, sequence_++, key});
  }
  // Every waiter recomputes its deadline: the new key may be due before the one it waits for.
  changed_.notify_all();
}

Clock::Duration WorkQueue::addRateLimited(const ObjectKey& key, Clock::Duration at_least) {
  const auto delay =
      std::max(std::chrono::duration_cast<Clock::Duration>(rate_limiter_->when(key)), at_least);
  if (metrics_) metrics_->queueRetries(name_).Increment();
  addAfter(key, delay);
  return delay;
}

void WorkQueue::forget(const ObjectKey& key) { rate_limiter_->forget(key); }

int WorkQueue::numRequeues(const ObjectKey& key) const { return rate_limiter_->numRequeues(key); }

void WorkQueue::promoteDueLocked(Clock::TimePoint now) {
  while (!waiting_.empty() && waiting_.top().ready_at <= now) {
    Waiting top = waiting_.top();
    waiting_.pop();
    auto it = waiting_at_.find(top.key);
    if (it == waiting_at_.end() || it->second != top.ready_at) continue;  // superseded entry
    waiting_at_.erase(it);
    addLocked(top.key);
  }
}

std::optional<ObjectKey> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    promoteDueLocked(clock_->now());
    if (!queue_.empty()) break;
    if (waiting_.empty()) {
      changed_.wait(lock);
    } else {
      clock_->waitUntil(changed_, lock, waiting_.top().ready_at);
    }
  }
  return popLocked();
}

std::optional<ObjectKey> WorkQueue::tryGet() {
  std::lock_guard guard(mutex_);
  if (shutting_down_) return std::nullopt;
  promoteDueLocked(clock_->now());
  if (queue_.empty()) return std::nullopt;
  return popLocked();
}

ObjectKey WorkQueue::popLocked() {
  ObjectKey key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  updateDepthLocked();
  return key;
}

void WorkQueue::done(const ObjectKey& key) {
  bool requeued = false;
  {
    std::lock_guard guard(mutex_);
    processing_.erase(key);
    if (dirty_.count(key) && !shutting_down_) {
      queue_.push_back(key);
      updateDepthLocked();
      requeued = true;
    }
  }
  if (requeued) changed_.notify_one();
}

void WorkQueue::shutdown() {
  {
    std::lock_guard guard(mutex_);
    shutting_down_ = true;
  }
  changed_.notify_all();
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard guard(mutex_);
  return shutting_down_;
}

std::size_t WorkQueue::len() const {
  std::lock_guard guard(mutex_);
  return queue_.size();
}

std::size_t WorkQueue::waitingLen() const {
  std::lock_guard guard(mutex_);
  return waiting_at_.size();
}

void WorkQueue::updateDepthLocked() {
  if (metrics_) metrics_->queueDepth(name_).Set(static_cast<double>(queue_.size()));
}

}  // namespace runtime

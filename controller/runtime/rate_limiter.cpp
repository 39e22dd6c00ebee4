#include "runtime/rate_limiter.h"

namespace runtime {

ItemExponentialRateLimiter::ItemExponentialRateLimiter(std::chrono::nanoseconds base,
                                                       std::chrono::nanoseconds max)
    : base_(base), max_(max) {}

std::chrono::nanoseconds ItemExponentialRateLimiter::when(const ObjectKey& key) {
  std::lock_guard guard(mutex_);
  const int exponent = failures_[key]++;
  // Double step by step and stop at the cap, so the shift can never overflow.
  auto delay = base_;
  for (int i = 0; i < exponent && delay < max_; ++i) delay *= 2;
  return delay < max_ ? delay : max_;
}

void ItemExponentialRateLimiter::forget(const ObjectKey& key) {
  std::lock_guard guard(mutex_);
  failures_.erase(key);
}

int ItemExponentialRateLimiter::numRequeues(const ObjectKey& key) const {
  std::lock_guard guard(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace runtime

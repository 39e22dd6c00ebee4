#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "runtime/object_key.h"

namespace runtime {

// Decides how long a failing work item waits before its next attempt.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Records one more failure of `key` and returns the delay before retrying it.
  virtual std::chrono::nanoseconds when(const ObjectKey& key) = 0;
  // The item succeeded (or was dropped): its next failure starts from the base delay again.
  virtual void forget(const ObjectKey& key) = 0;
  virtual int numRequeues(const ObjectKey& key) const = 0;
};
using RateLimiterPtr = std::unique_ptr<RateLimiter>;

// controller-runtime's per-item default: base * 2^failures, capped (5 ms .. 1000 s).
class ItemExponentialRateLimiter : public RateLimiter {
 public:
  explicit ItemExponentialRateLimiter(std::chrono::nanoseconds base = std::chrono::milliseconds(5),
                                      std::chrono::nanoseconds max = std::chrono::seconds(1000));

  std::chrono::nanoseconds when(const ObjectKey& key) override;
  void forget(const ObjectKey& key) override;
  int numRequeues(const ObjectKey& key) const override;

 private:
  std::chrono::nanoseconds base_;
  std::chrono::nanoseconds max_;
  mutable std::mutex mutex_;
  std::map<ObjectKey, int> failures_;
};

}  // namespace runtime

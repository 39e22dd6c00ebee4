#include "runtime/backoff.h"

#include <algorithm>
#include <cmath>

namespace runtime {

Backoff::Backoff(BackoffPolicy policy, RandomPtr random)
    : policy_(policy), random_(std::move(random)) {}

std::chrono::milliseconds Backoff::next() {
  const double max_ms = static_cast<double>(policy_.max.count());
  // Cap the exponent so that a long outage cannot overflow the double into infinity/NaN.
  const double base = std::min(max_ms, static_cast<double>(policy_.initial.count()) *
                                           std::pow(policy_.factor, std::min(attempt_, 64)));
  ++attempt_;
  const double jittered = base * (1.0 + policy_.jitter * random_->uniform());
  return std::chrono::milliseconds(static_cast<long long>(std::min(max_ms, jittered)));
}

}  // namespace runtime

#pragma once

#include <chrono>

#include "runtime/random.h"

namespace runtime {

// Jittered exponential backoff between reconnects. Jitter spreads the reconnects of many
// watchers (and many operator replicas) after an API server restart, so they do not all arrive
// in the same instant (client-go's reflector uses the same 800 ms .. 30 s shape).
struct BackoffPolicy {
  std::chrono::milliseconds initial{800};
  std::chrono::milliseconds max{30000};
  double factor = 2.0;
  // Each delay is d * (1 + jitter * u), u uniform in [0, 1), then capped at max.
  double jitter = 0.5;
};

class Backoff {
 public:
  Backoff(BackoffPolicy policy, RandomPtr random);

  // The delay before the next attempt; grows with each call until reset().
  std::chrono::milliseconds next();
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }
  const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  RandomPtr random_;
  int attempt_ = 0;
};

}  // namespace runtime

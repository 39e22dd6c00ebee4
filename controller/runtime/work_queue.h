#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "runtime/clock.h"
#include "runtime/metrics.h"
#include "runtime/object_key.h"
#include "runtime/rate_limiter.h"

namespace runtime {

// client-go's rate-limited delaying work queue, the heart of level-triggered controllers. Its
// items are ObjectKeys, so a worker gets back exactly the key that was added, with no string
// form to parse:
//  - a key is queued at most once however often it is added (dedup);
//  - a key handed out by get() is not handed out again until done(key), so no two workers ever
//    handle one key at once;
//  - a key added while being processed is queued again at done(), so its latest change is seen;
//  - addAfter() holds a key back for a delay; addRateLimited() delays by the key's own
//    exponential backoff, which forget() resets.
// Thread-safe. Time comes from the injected Clock, so tests drive delays without sleeping.
class WorkQueue {
 public:
  explicit WorkQueue(std::string name, ClockPtr clock = realClock(), MetricsPtr metrics = nullptr,
                     RateLimiterPtr rate_limiter = nullptr);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void add(const ObjectKey& key);
  // A non-positive delay adds at once. If the key is already waiting, the earlier time wins.
  void addAfter(const ObjectKey& key, Clock::Duration delay);
  // Adds after the rate limiter's delay for `key` (5 ms, 10 ms, ... up to 1000 s by default),
  // or after `at_least` if that is longer (a server's Retry-After); returns the delay used.
  Clock::Duration addRateLimited(const ObjectKey& key,
                                 Clock::Duration at_least = Clock::Duration::zero());
  void forget(const ObjectKey& key);
  int numRequeues(const ObjectKey& key) const;

  // Blocks until a key is ready and returns it; the caller must call done(key) afterwards.
  // Returns nullopt once shutdown() was called: workers stop taking new work at once (a restart
  // relists everything anyway, so dropping queued keys loses nothing).
  std::optional<ObjectKey> get();
  // Like get(), but returns nullopt at once when no key is ready (promoting delayed keys that
  // are due on the Clock first).
  std::optional<ObjectKey> tryGet();
  void done(const ObjectKey& key);

  // Wakes every blocked get(); later adds are ignored.
  void shutdown();
  bool shuttingDown() const;

  // Keys ready to be handed out (the workqueue_depth metric).
  std::size_t len() const;
  // Keys held back by addAfter()/addRateLimited().
  std::size_t waitingLen() const;
  const std::string& name() const { return name_; }

 private:
  struct Waiting {
    Clock::TimePoint ready_at;
    std::uint64_t sequence;  // keeps the heap order stable for equal times
    ObjectKey key;
    bool operator>(const Waiting& other) const {
      return ready_at != other.ready_at ? ready_at > other.ready_at : sequence > other.sequence;
    }
  };

  void addLocked(const ObjectKey& key);
  void promoteDueLocked(Clock::TimePoint now);
  void updateDepthLocked();
  ObjectKey popLocked();

  const std::string name_;
  ClockPtr clock_;
  MetricsPtr metrics_;
  RateLimiterPtr rate_limiter_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<ObjectKey> queue_;
  std::set<ObjectKey> dirty_;       // queued, or re-added while processing
  std::set<ObjectKey> processing_;  // handed out, not yet done()
  // Delayed keys: a min-heap with lazy deletion, `waiting_at_` says which entry is current.
  std::priority_queue<Waiting, std::vector<Waiting>, std::greater<>> waiting_;
  std::map<ObjectKey, Clock::TimePoint> waiting_at_;
  std::uint64_t sequence_ = 0;
  bool shutting_down_ = false;
};

}  // namespace runtime

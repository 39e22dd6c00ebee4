#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "runtime/fake_clock.h"
#include "runtime/metrics.h"
#include "runtime/rate_limiter.h"
#include "runtime/work_queue.h"

using namespace std::chrono_literals;
using runtime::FakeClock;
using runtime::ObjectKey;
using runtime::WorkQueue;

namespace {
ObjectKey key(const std::string& name) { return {"ns", name}; }
}  // namespace

TEST_CASE("work queue: a key added many times is queued once") {
  WorkQueue queue("test", std::make_shared<FakeClock>());
  queue.add(key("a"));
  queue.add(key("b"));
  queue.add(key("a"));
  queue.add(key("a"));
  CHECK(queue.len() == 2);
  CHECK(queue.get() == key("a"));
  CHECK(queue.get() == key("b"));
  CHECK(queue.tryGet() == std::nullopt);
}

TEST_CASE("work queue: keys are whole ObjectKeys, told apart by namespace and name") {
  WorkQueue queue("test", std::make_shared<FakeClock>());
  const ObjectKey in_a{"a", "x"};
  const ObjectKey in_b{"b", "x"};
  const ObjectKey cluster_scoped{"", "x"};
  CHECK(cluster_scoped < in_a);  // ordered by namespace, then name
  CHECK(in_a < in_b);
  CHECK(ObjectKey{"a", "x"} < ObjectKey{"a", "y"});
  queue.add(in_b);
  queue.add(in_a);
  queue.add(cluster_scoped);
  queue.add(in_a);
  CHECK(queue.len() == 3);
  CHECK(queue.get() == in_b);  // first in, first out; handed back exactly as added
  CHECK(queue.get() == in_a);
  CHECK(queue.get() == cluster_scoped);
  queue.addRateLimited(in_a);
  CHECK(queue.numRequeues(in_a) == 1);
  CHECK(queue.numRequeues(in_b) == 0);  // backoff is per key too
}

TEST_CASE("work queue: a key being processed is not handed out again until done") {
  WorkQueue queue("test", std::make_shared<FakeClock>());
  queue.add(key("a"));
  REQUIRE(queue.get() == key("a"));
  queue.add(key("a"));  // changed while being processed
  CHECK(queue.len() == 0);
  CHECK(queue.tryGet() == std::nullopt);  // a second worker must not get it
  queue.add(key("a"));                    // still one pending re-run
  queue.done(key("a"));
  CHECK(queue.len() == 1);
  CHECK(queue.get() == key("a"));  // processed again, after the first run
  queue.done(key("a"));
  CHECK(queue.tryGet() == std::nullopt);
}

TEST_CASE("work queue: done without a re-add does not requeue") {
  WorkQueue queue("test", std::make_shared<FakeClock>());
  queue.add(key("a"));
  REQUIRE(queue.get() == key("a"));
  queue.done(key("a"));
  CHECK(queue.len() == 0);
}

TEST_CASE("work queue: concurrent workers never hold the same key at once") {
  WorkQueue queue("test");
  std::mutex mutex;
  std::set<ObjectKey> in_flight;
  std::atomic<bool> overlap{false};
  std::atomic<int> handled{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        {
          std::lock_guard guard(mutex);
          if (!in_flight.insert(*key).second) overlap = true;
        }
        // Re-adding from inside the handler is the "changed while processing" path.
        if (handled.fetch_add(1) % 3 == 0) queue.add(*key);
        std::this_thread::yield();
        {
          std::lock_guard guard(mutex);
          in_flight.erase(*key);
        }
        queue.done(*key);
      }
    });
  }
  for (int round = 0; round < 2000; ++round) queue.add(key("key-" + std::to_string(round % 7)));
  // Wait until the queue drains (bounded), then stop the workers.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (queue.len() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  queue.shutdown();
  for (auto& worker : workers) worker.join();
  CHECK_FALSE(overlap);
  CHECK(handled > 0);
}

TEST_CASE("work queue: per-item backoff doubles from 5 ms to a 1000 s cap and resets on forget") {
  runtime::ItemExponentialRateLimiter limiter;
  CHECK(limiter.when(key("a")) == 5ms);
  CHECK(limiter.when(key("a")) == 10ms);
  CHECK(limiter.when(key("a")) == 20ms);
  CHECK(limiter.when(key("b")) == 5ms);  // per item
  CHECK(limiter.numRequeues(key("a")) == 3);
  std::chrono::nanoseconds last = 20ms;
  int steps = 3;
  while (last < 1000s) {
    auto next = limiter.when(key("a"));
    CHECK((next == last * 2 || next == std::chrono::nanoseconds(1000s)));
    last = next;
    ++steps;
  }
  CHECK(steps == 19);  // 5 ms * 2^18 = 1310 s is the first step past the cap
  CHECK(limiter.when(key("a")) == 1000s);
  for (int i = 0; i < 200; ++i) (void)limiter.when(key("a"));  // no overflow however long it fails
  CHECK(limiter.when(key("a")) == 1000s);
  limiter.forget(key("a"));
  CHECK(limiter.numRequeues(key("a")) == 0);
  CHECK(limiter.when(key("a")) == 5ms);
}

TEST_CASE("work queue: addRateLimited holds the key back for its backoff on the clock") {
  auto clock = std::make_shared<FakeClock>();
  WorkQueue queue("test", clock);
  CHECK(queue.addRateLimited(key("a")) == 5ms);
  CHECK(queue.tryGet() == std::nullopt);
  clock->advance(4ms);
  CHECK(queue.tryGet() == std::nullopt);
  clock->advance(1ms);
  REQUIRE(queue.tryGet() == key("a"));
  queue.done(key("a"));

  CHECK(queue.addRateLimited(key("a")) == 10ms);
  CHECK(queue.numRequeues(key("a")) == 2);
  clock->advance(10ms);
  REQUIRE(queue.tryGet() == key("a"));
  queue.done(key("a"));

  queue.forget(key("a"));
  CHECK(queue.addRateLimited(key("a")) == 5ms);
  // A server's Retry-After outranks a shorter backoff.
  clock->advance(5ms);
  REQUIRE(queue.tryGet() == key("a"));
  queue.done(key("a"));
  CHECK(queue.addRateLimited(key("a"), 30s) == 30s);
}

TEST_CASE("work queue: addAfter waits on the clock and the earliest time wins") {
  auto clock = std::make_shared<FakeClock>();
  WorkQueue queue("test", clock);
  queue.addAfter(key("a"), 10s);
  queue.addAfter(key("a"), 20s);  // later: ignored
  CHECK(queue.waitingLen() == 1);
  clock->advance(9s);
  CHECK(queue.tryGet() == std::nullopt);
  queue.addAfter(key("a"), 500ms);  // earlier: replaces
  clock->advance(500ms);
  REQUIRE(queue.tryGet() == key("a"));
  queue.done(key("a"));
  clock->advance(1h);  // the superseded entries do not come back
  CHECK(queue.tryGet() == std::nullopt);
  CHECK(queue.waitingLen() == 0);
  queue.addAfter(key("b"), 0s);  // no delay: at once
  CHECK(queue.tryGet() == key("b"));
}

TEST_CASE("work queue: a blocked get() wakes when a delayed key becomes due") {
  auto clock = std::make_shared<FakeClock>();
  WorkQueue queue("test", clock);
  queue.addAfter(key("a"), 1min);
  std::optional<ObjectKey> got;
  std::thread worker([&] { got = queue.get(); });
  clock->advance(1min);
  worker.join();
  CHECK(got == key("a"));
}

TEST_CASE("work queue: shutdown wakes blocked workers and stops handing out work") {
  WorkQueue queue("test", std::make_shared<FakeClock>());
  std::vector<std::thread> workers;
  std::atomic<int> stopped{0};
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back([&] {
      if (!queue.get()) ++stopped;
    });
  }
  queue.shutdown();
  for (auto& worker : workers) worker.join();
  CHECK(stopped == 3);
  CHECK(queue.shuttingDown());
  queue.add(key("late"));
  CHECK(queue.len() == 0);
  CHECK(queue.get() == std::nullopt);
}

TEST_CASE("work queue: depth and retries are exported as metrics") {
  auto metrics = std::make_shared<runtime::Metrics>();
  auto clock = std::make_shared<FakeClock>();
  WorkQueue queue("configmaps", clock, metrics);
  queue.add(key("a"));
  queue.add(key("b"));
  CHECK(metrics->queueDepth("configmaps").Value() == 2);
  REQUIRE(queue.get());
  CHECK(metrics->queueDepth("configmaps").Value() == 1);
  queue.addRateLimited(key("c"));
  CHECK(metrics->queueRetries("configmaps").Value() == 1);
  const auto text = metrics->render();
  CHECK(text.find("workqueue_depth{name=\"configmaps\"} 1") != std::string::npos);
}

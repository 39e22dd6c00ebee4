#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace kube {

// A shared "stop now" flag with callbacks, so that a blocked stream read or a sleeping retry
// loop can be woken when the process shuts down. Copies share one state.
class CancelToken {
 public:
  CancelToken();

  void cancel() const;
  bool cancelled() const;

  // Runs `callback` on cancel (at once if already cancelled). Returns an id for unsubscribe.
  std::size_t onCancel(std::function<void()> callback) const;
  void unsubscribe(std::size_t id) const;

  // Sleeps up to `duration`; returns false if woken by cancellation.
  bool sleepFor(std::chrono::nanoseconds duration) const;

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable wake;
    std::atomic<bool> cancelled{false};
    std::size_t next_id = 1;
    std::vector<std::pair<std::size_t, std::function<void()>>> callbacks;
  };
  std::shared_ptr<State> state_;
};

}  // namespace kube

#pragma once

#include <atomic>
#include <thread>

#include "kube/cancel.h"

namespace runtime {

// Turns SIGTERM/SIGINT into cancellation of `token`, the start of a graceful shutdown (stop
// taking work, finish in-flight reconciles, release the lease). A second signal exits at once
// with status 1, for an operator that does not want to wait.
//
// Construct it first thing in main(), before any other thread exists: it blocks the two
// signals in the calling thread, every thread created later inherits that mask, and one
// dedicated thread receives them with sigwait() — so no code runs in a signal handler.
class SignalHandler {
 public:
  explicit SignalHandler(kube::CancelToken token);
  ~SignalHandler();
  SignalHandler(const SignalHandler&) = delete;
  SignalHandler& operator=(const SignalHandler&) = delete;

  // The signal that started shutdown, 0 if none yet.
  int received() const { return received_.load(); }

 private:
  kube::CancelToken token_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> received_{0};
  std::thread thread_;
};

}  // namespace runtime

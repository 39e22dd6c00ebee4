#include "runtime/signals.h"

#include <pthread.h>
#include <signal.h>

#include <cstdlib>

#include <spdlog/spdlog.h>

namespace runtime {

namespace {

sigset_t shutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

SignalHandler::SignalHandler(kube::CancelToken token) : token_(std::move(token)) {
  const sigset_t set = shutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this, set] {
    while (true) {
      int signal = 0;
      if (sigwait(&set, &signal) != 0) continue;
      if (stopping_.load()) return;  // our destructor's wake-up call
      if (received_.exchange(signal) != 0) {
        spdlog::warn("received signal {} again, exiting now", signal);
        std::_Exit(1);
      }
      spdlog::info("received signal {}, shutting down", signal);
      token_.cancel();
    }
  });
}

SignalHandler::~SignalHandler() {
  stopping_.store(true);
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

}  // namespace runtime

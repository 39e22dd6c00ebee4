#include "runtime/manager.h"

#include <atomic>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "kube/api.h"
#include "runtime/free_memory.h"
#include "runtime/http_server.h"
#include "runtime/process_exit.h"

namespace runtime {

struct Manager::Impl {
  struct Entry {
    std::shared_ptr<Controller> controller;
    Reconciler reconciler;
  };

  std::vector<Entry> entries;
  std::mutex mutex;  // guards threads and elector
  std::shared_ptr<LeaderElector> elector;
  std::vector<std::thread> threads;
  std::atomic<bool> running{false};
  std::atomic<bool> undrained{false};
  kube::CancelToken controllers_cancel;

  void startControllers() {
    std::lock_guard guard(mutex);
    if (running.exchange(true)) return;
    for (auto& entry : entries) {
      threads.emplace_back([this, &entry] {
        if (!entry.controller->run(entry.reconciler, controllers_cancel)) undrained = true;
      });
    }
  }

  void stopControllers() {
    controllers_cancel.cancel();
    std::vector<std::thread> to_join;
    {
      std::lock_guard guard(mutex);
      to_join.swap(threads);
    }
    for (auto& thread : to_join) thread.join();
    running = false;
  }
};

Manager::Manager(kube::ClientPtr client, ManagerOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      metrics_(std::make_shared<Metrics>()),
      impl_(std::make_unique<Impl>()) {
  if (!options_.clock) options_.clock = realClock();
  if (!options_.random) options_.random = realRandom();
  client_->setObserver(metrics_->requestObserver());
  events_ =
      std::make_unique<EventRecorder>(client_, options_.events, options_.clock, options_.random);
}

Manager::~Manager() { impl_->stopControllers(); }

ControllerOptions Manager::controllerOptions(std::string name, int workers) const {
  ControllerOptions options;
  options.name = std::move(name);
  options.workers = workers;
  options.clock = options_.clock;
  options.random = options_.random;
  options.metrics = metrics_;
  return options;
}

void Manager::add(std::shared_ptr<Controller> controller, Reconciler reconciler) {
  impl_->entries.push_back({std::move(controller), std::move(reconciler)});
}

bool Manager::isRunningControllers() const { return impl_->running.load(); }

bool Manager::drained() const { return !impl_->undrained.load(); }

std::string Manager::observedLeader() const {
  std::lock_guard guard(impl_->mutex);
  return impl_->elector ? impl_->elector->observedLeader() : std::string();
}

int Manager::run(const kube::CancelToken& cancel) {
  const auto ready = [impl = impl_.get()] {
    for (const auto& entry : impl->entries) {
      if (!entry.controller->synced()) return false;
    }
    return true;
  };

  // The metrics and health endpoints share one server when given the same address.
  std::vector<std::unique_ptr<HttpServer>> servers;
  if (!options_.metrics_address.empty()) {
    servers.push_back(std::make_unique<HttpServer>(options_.metrics_address, metrics_));
  }
  if (!options_.health_address.empty() && options_.health_address != options_.metrics_address) {
    servers.push_back(std::make_unique<HttpServer>(options_.health_address));
  }
  for (auto& server : servers) {
    server->addReadyCheck("informers-synced", ready);
    if (auto started = server->start(); !started) {
      spdlog::error("{}", started.error().describe());
      return 1;
    }
  }

  events_->start();
  for (auto& entry : impl_->entries) entry.controller->startCaches();

  // `stop` fires on cancellation or on lost leadership, whichever comes first.
  kube::CancelToken stop;
  const auto forward = cancel.onCancel([stop] { stop.cancel(); });
  std::atomic<bool> lost{false};
  kube::CancelToken elector_cancel;
  std::shared_ptr<LeaderElector> elector;
  std::thread elector_thread;
  if (options_.leader_elect) {
    elector = std::make_shared<LeaderElector>(kube::Api(client_, kube::resources::leases()),
                                              options_.leader_election, options_.clock,
                                              options_.random, metrics_);
    {
      std::lock_guard guard(impl_->mutex);
      impl_->elector = elector;
    }
    elector_thread = std::thread([&, impl = impl_.get()] {
      LeaderCallbacks callbacks;
      callbacks.on_started_leading = [impl] { impl->startControllers(); };
      // Lost (or given up): reconciles are cancelled and no new one starts, right here on the
      // elector's thread, before anything else runs; the orderly stop follows below.
      callbacks.on_stopped_leading = [impl] { impl->controllers_cancel.cancel(); };
      if (elector->run(elector_cancel, callbacks) == LeaderElector::Outcome::Lost) {
        // Said now, not only after the stop: a stop stuck in a stalled read ends at the stop
        // deadline through exitNow, and the reason must already be in the log by then.
        spdlog::error("leadership lost; stopping");
        lost = true;
        stop.cancel();
      }
    });
  } else {
    impl_->startControllers();
  }

  const bool release_memory = options_.release_memory_every.count() > 0;
  while (stop.sleepFor(release_memory ? std::chrono::nanoseconds(options_.release_memory_every)
                                      : std::chrono::nanoseconds(std::chrono::hours(1)))) {
    if (release_memory) releaseFreeMemory();
  }
  cancel.unsubscribe(forward);
  // Found with a leader whose connections stalled: its reconciles stopped at once, but joining
  // an informer blocked in a read of the stalled watch kept the process (and its endpoints)
  // alive past any deadline. The watchdog outlives run() only until the stop is done.
  kube::CancelToken stopped;
  if (options_.stop_deadline.count() > 0) {
    std::thread([stopped, deadline = options_.stop_deadline] {
      if (stopped.sleepFor(deadline)) {
        exitNow(1,
                fmt::format("the shutdown did not finish within {} ms; exiting", deadline.count()));
      }
    }).detach();
  }
  struct StopWatchdog {
    kube::CancelToken token;
    ~StopWatchdog() { token.cancel(); }
  } watchdog{stopped};

  // Controllers first, so that a successor cannot start before our last reconcile ended; then
  // the lease is released (or, if lost, left alone).
  impl_->stopControllers();
  elector_cancel.cancel();
  if (elector_thread.joinable()) elector_thread.join();
  events_->stop();
  for (auto& server : servers) server->stop();

  if (lost) {
    spdlog::error("leadership lost; exiting");
    return 1;
  }
  if (impl_->undrained) {
    spdlog::error(
        "in-flight reconciles did not finish before the shutdown deadline; they are still "
        "running");
    return 1;
  }
  spdlog::info("shut down cleanly");
  return 0;
}

}  // namespace runtime

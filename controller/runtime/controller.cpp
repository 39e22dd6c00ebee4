#include "runtime/controller.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "runtime/owner_reference.h"

namespace runtime {

namespace {

// How often to say, while waiting for caches, that we are still waiting.
constexpr auto kSyncLogInterval = std::chrono::seconds(10);

bool sameSelection(const WatcherConfig& a, const WatcherConfig& b) {
  return a.label_selector == b.label_selector && a.field_selector == b.field_selector;
}

}  // namespace

struct Controller::Impl {
  struct Source {
    kube::Api api;
    WatcherConfig config;
    InformerPtr informer;
  };

  Impl(kube::Api primary_api, ControllerOptions opts)
      : options(std::move(opts)),
        primary(primary_api.resource()),
        queue(options.name, options.clock, options.metrics) {
    if (options.workers < 1) options.workers = 1;
    auto& source = informerFor(std::move(primary_api), options.primary_watch);
    source.informer->addHandler(
        [this](const kube::Object& object) { queue.add(ObjectKey::of(object)); });
  }

  // One informer per (kind, namespace, selectors): owns() and watches() of the same selection
  // share it rather than opening a second watch.
  Source& informerFor(kube::Api api, const WatcherConfig& config) {
    for (auto& source : sources) {
      if (source.api.resource() == api.resource() && source.api.ns() == api.ns() &&
          sameSelection(source.config, config)) {
        return source;
      }
    }
    auto informer =
        std::make_shared<Informer>(api, config, options.clock, options.random, options.metrics);
    sources.push_back(Source{std::move(api), config, std::move(informer)});
    return sources.back();
  }

  void reconcileOne(const Reconciler& reconciler, const ObjectKey& key,
                    const kube::CancelToken& cancel);
  void worker(const Reconciler& reconciler, const kube::CancelToken& cancel);

  ControllerOptions options;
  kube::Resource primary;
  WorkQueue queue;
  std::vector<Source> sources;  // sources[0] is the primary kind
  std::atomic<bool> caches_started{false};

  std::mutex workers_mutex;
  std::condition_variable workers_changed;
  int running_workers = 0;
  int active_workers = 0;
};

Controller::Controller(kube::Api primary, ControllerOptions options)
    : impl_(std::make_shared<Impl>(std::move(primary), std::move(options))) {}

Controller::~Controller() {
  impl_->queue.shutdown();
  for (auto& source : impl_->sources) source.informer->stop();
}

Controller& Controller::owns(kube::Api api, WatcherConfig config) {
  auto& source = impl_->informerFor(std::move(api), config);
  Impl* impl = impl_.get();  // the informer is owned by impl, so it cannot outlive it
  source.informer->addHandler([impl](const kube::Object& object) {
    auto owner = controllerOf(object);
    if (!owner || owner->kind != impl->primary.kind ||
        groupOf(owner->api_version) != impl->primary.group) {
      return;
    }
    const auto ns = impl->primary.namespaced ? kube::namespaceOf(object) : std::string();
    impl->queue.add(ObjectKey{ns, owner->name});
  });
  return *this;
}

Controller& Controller::watches(kube::Api api, Mapper mapper, WatcherConfig config) {
  auto& source = impl_->informerFor(std::move(api), config);
  Impl* impl = impl_.get();
  source.informer->addHandler([impl, mapper = std::move(mapper)](const kube::Object& object) {
    for (const auto& key : mapper(object)) impl->queue.add(key);
  });
  return *this;
}

StorePtr Controller::store() const { return impl_->sources.front().informer->store(); }

StorePtr Controller::store(const kube::Resource& resource) const {
  for (const auto& source : impl_->sources) {
    if (source.api.resource() == resource) return source.informer->store();
  }
  return nullptr;
}

void Controller::enqueue(const ObjectKey& key) { impl_->queue.add(key); }

WorkQueue& Controller::queue() { return impl_->queue; }

void Controller::startCaches() {
  if (impl_->caches_started.exchange(true)) return;
  for (auto& source : impl_->sources) source.informer->start();
}

bool Controller::synced() const {
  for (const auto& source : impl_->sources) {
    if (!source.informer->synced()) return false;
  }
  return true;
}

void Controller::Impl::reconcileOne(const Reconciler& reconciler, const ObjectKey& key,
                                    const kube::CancelToken& cancel) {
  const auto started = options.clock->now();
  std::optional<ReconcileResult> result;
  try {
    result.emplace(reconciler(key, cancel));
  } catch (const std::exception& e) {
    result.emplace(ReconcileError(std::string("reconcile threw: ") + e.what()));
  } catch (...) {
    result.emplace(ReconcileError("reconcile threw a non-standard exception"));
  }
  const double seconds = std::chrono::duration<double>(options.clock->now() - started).count();

  std::string label;
  if (result->ok()) {
    // Success resets the key's backoff, whatever comes next (controller-runtime's contract).
    queue.forget(key);
    if (auto after = result->action().requeue_after; after && *after > Clock::Duration::zero()) {
      queue.addAfter(key, *after);
      label = "requeue_after";
    } else {
      label = "success";
    }
  } else {
    const auto& error = result->error();
    label = "error";
    if (options.metrics) options.metrics->reconcileError(options.name, error.isTerminal());
    if (cancel.cancelled()) {
      // Stopping: most likely the error is the cancellation itself, and there is no retry to
      // schedule on a queue that is shutting down.
      spdlog::info("controller {}: reconcile {} interrupted by shutdown: {}", options.name,
                   key.str(), error.message());
    } else if (error.isTerminal()) {
      queue.forget(key);
      spdlog::error("controller {}: reconcile {} failed (terminal, not retried): {}", options.name,
                    key.str(), error.message());
    } else {
      const auto delay =
          queue.addRateLimited(key, error.retryAfter().value_or(Clock::Duration::zero()));
      spdlog::warn("controller {}: reconcile {} failed, retry in {} ms: {}", options.name,
                   key.str(), std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
                   error.message());
    }
  }
  if (options.metrics) options.metrics->reconcileFinished(options.name, label, seconds);
}

void Controller::Impl::worker(const Reconciler& reconciler, const kube::CancelToken& cancel) {
  while (auto key = queue.get()) {
    // The token may have fired just before the queue was shut down: once it has, another
    // replica may be reconciling (lost lease), so no reconcile starts, not even a queued one.
    if (cancel.cancelled()) {
      queue.done(*key);
      break;
    }
    {
      std::lock_guard guard(workers_mutex);
      ++active_workers;
      if (options.metrics)
        options.metrics->setWorkers(options.name, options.workers, active_workers);
    }
    reconcileOne(reconciler, *key, cancel);
    queue.done(*key);
    {
      std::lock_guard guard(workers_mutex);
      --active_workers;
      if (options.metrics)
        options.metrics->setWorkers(options.name, options.workers, active_workers);
    }
  }
}

bool Controller::run(Reconciler reconciler, const kube::CancelToken& cancel) {
  auto impl = impl_;
  const auto& name = impl->options.name;
  startCaches();

  for (auto& source : impl->sources) {
    while (!source.informer->store()->waitSynced(cancel, kSyncLogInterval)) {
      if (cancel.cancelled()) break;
      spdlog::info("controller {}: waiting for the {} cache to sync", name,
                   source.api.resource().plural);
    }
  }

  // Workers stop taking keys the moment the token fires, on whichever thread fires it, not
  // when this thread next wakes up.
  const auto stop_taking = cancel.onCancel([impl] { impl->queue.shutdown(); });
  bool drained = true;
  if (!cancel.cancelled()) {
    spdlog::info("controller {}: caches synced, starting {} workers", name, impl->options.workers);
    // Workers hold the Impl (and their own copies of the reconciler and of the token) so that,
    // if shutdown times out and they are detached, nothing they touch is destroyed under them.
    auto shared_reconciler = std::make_shared<Reconciler>(std::move(reconciler));
    std::vector<std::thread> threads;
    {
      std::lock_guard guard(impl->workers_mutex);
      impl->running_workers = impl->options.workers;
    }
    for (int i = 0; i < impl->options.workers; ++i) {
      threads.emplace_back([impl, shared_reconciler, cancel] {
        impl->worker(*shared_reconciler, cancel);
        {
          std::lock_guard guard(impl->workers_mutex);
          --impl->running_workers;
        }
        impl->workers_changed.notify_all();
      });
    }

    // Park here until shutdown.
    while (cancel.sleepFor(std::chrono::hours(1))) {
    }

    spdlog::info("controller {}: stopping; waiting up to {} ms for in-flight reconciles", name,
                 impl->options.shutdown_timeout.count());
    impl->queue.shutdown();
    {
      std::unique_lock lock(impl->workers_mutex);
      drained = impl->workers_changed.wait_for(lock, impl->options.shutdown_timeout,
                                               [&] { return impl->running_workers == 0; });
    }
    for (auto& thread : threads) {
      if (drained) {
        thread.join();
      } else {
        thread.detach();
      }
    }
    if (!drained) spdlog::error("controller {}: reconciles still running at the deadline", name);
  }
  cancel.unsubscribe(stop_taking);
  impl->queue.shutdown();
  for (auto& source : impl->sources) source.informer->stop();
  return drained;
}

}  // namespace runtime

#include "runtime/informer.h"

#include <exception>

#include <spdlog/spdlog.h>

namespace runtime {

Informer::Informer(kube::Api api, WatcherConfig config, ClockPtr clock, RandomPtr random,
                   MetricsPtr metrics)
    : resource_(api.resource()),
      store_(std::make_shared<Store>(config.packed_cache ? Store::Encoding::Packed
                                                         : Store::Encoding::Tree)),
      watcher_(
          std::move(api), std::move(config),
          [this](WatcherEvent&& event) { dispatch(std::move(event)); }, std::move(clock),
          std::move(random), std::move(metrics)) {}

Informer::~Informer() { stop(); }

void Informer::addHandler(ChangeHandler handler) {
  std::lock_guard guard(mutex_);
  handlers_.push_back(std::move(handler));
}

void Informer::start() {
  std::lock_guard guard(mutex_);
  if (thread_.joinable() || cancel_.cancelled()) return;
  thread_ = std::thread([this] { watcher_.run(cancel_); });
}

void Informer::stop() {
  cancel_.cancel();
  std::thread thread;
  {
    std::lock_guard guard(mutex_);
    thread.swap(thread_);
  }
  if (thread.joinable()) thread.join();
}

void Informer::dispatch(WatcherEvent&& event) {
  switch (event.type) {
    case WatcherEvent::Type::Listed:
      store_->stage(std::move(event.objects), event.first_page);
      break;
    case WatcherEvent::Type::Restarted: {
      auto removed = store_->replace(std::move(event.objects), event.first_page);
      // One at a time: a packed store decodes each read, and all at once would hold the whole
      // list as parsed trees again.
      for (const auto& key : store_->keys()) {
        if (auto object = store_->get(key)) notify(*object);
      }
      for (const auto& object : removed) notify(*object);
      break;
    }
    case WatcherEvent::Type::Applied: {
      auto previous = store_->upsert(event.object);
      if (previous) notify(*previous);
      notify(event.object);
      break;
    }
    case WatcherEvent::Type::Deleted:
      store_->erase(event.object);
      notify(event.object);
      break;
  }
}

void Informer::notify(const kube::Object& object) {
  std::lock_guard guard(mutex_);
  for (const auto& handler : handlers_) {
    try {
      handler(object);
    } catch (const std::exception& e) {
      // A faulty mapper must not stop the cache from being fed.
      spdlog::error("informer {}: handler failed for {}: {}", resource_.plural, kube::keyOf(object),
                    e.what());
    }
  }
}

}  // namespace runtime

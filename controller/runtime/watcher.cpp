#include "runtime/watcher.h"

#include <exception>

#include <spdlog/spdlog.h>

namespace runtime {

bool isExpired(const kube::Error& error) {
  return error.is(kube::ErrorKind::Gone) || error.httpCode() == 410 ||
         error.reason() == "Expired" || error.reason() == "Gone";
}

Watcher::Watcher(kube::Api api, WatcherConfig config, WatcherSink sink, ClockPtr clock,
                 RandomPtr random, MetricsPtr metrics)
    : api_(std::move(api)),
      config_(std::move(config)),
      sink_(std::move(sink)),
      clock_(clock ? std::move(clock) : realClock()),
      metrics_(std::move(metrics)),
      backoff_(config_.backoff, random ? std::move(random) : realRandom()) {}

Clock::Duration Watcher::step(const kube::CancelToken& cancel) {
  if (cancel.cancelled()) return Clock::Duration::zero();
  try {
    return state_ == State::Empty ? list() : watch(cancel);
  } catch (const std::exception& e) {
    // Nothing below should throw (errors are values), but a watcher must outlive any surprise:
    // start over from a clean list, which is always correct.
    spdlog::error("watcher {}: unexpected exception, relisting: {}", api_.resource().plural,
                  e.what());
    state_ = State::Empty;
    resource_version_.clear();
    return backoff_.next();
  }
}

void Watcher::run(const kube::CancelToken& cancel) {
  while (!cancel.cancelled()) {
    const auto delay = step(cancel);
    if (delay > Clock::Duration::zero() && !clock_->sleepFor(delay, cancel)) break;
  }
}

Clock::Duration Watcher::list() {
  kube::ListParams params;
  params.label_selector = config_.label_selector;
  params.field_selector = config_.field_selector;
  params.limit = config_.page_size;
  std::size_t listed_objects = 0;
  for (bool first_page = true;; first_page = false) {
    auto page = api_.list(params);
    if (!page) {
      const auto delay = retryDelay(page.error());
      spdlog::warn("watcher {}: list failed, retrying in {} ms: {}", api_.resource().plural,
                   std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
                   page.error().describe());
      return delay;
    }
    if (config_.transform) {
      for (auto& object : page->items) config_.transform(object);
    }
    listed_objects += page->items.size();
    if (!page->continue_token.empty()) {
      sink_(WatcherEvent{WatcherEvent::Type::Listed, {}, std::move(page->items), first_page});
      params.continue_token = page->continue_token;
      params.resource_version.clear();  // a continue token pins the snapshot itself
      continue;
    }
    resource_version_ = page->resource_version;
    state_ = State::Watching;
    backoff_.reset();  // the server answers again
    spdlog::debug("watcher {}: listed {} objects at resourceVersion {}", api_.resource().plural,
                  listed_objects, resource_version_);
    sink_(WatcherEvent{WatcherEvent::Type::Restarted, {}, std::move(page->items), first_page});
    return Clock::Duration::zero();
  }
}

Clock::Duration Watcher::watch(const kube::CancelToken& cancel) {
  kube::WatchParams params;
  params.resource_version = resource_version_;
  params.label_selector = config_.label_selector;
  params.field_selector = config_.field_selector;
  params.allow_bookmarks = true;
  params.timeout_seconds = config_.watch_timeout_seconds;

  bool delivered = false;
  auto result = api_.watch(
      params,
      [&](const kube::WatchEvent& event) {
        delivered = true;
        backoff_.reset();  // the connection works: the next failure starts from the base delay
        handle(event);
        return !cancel.cancelled();
      },
      cancel);
  if (cancel.cancelled()) return Clock::Duration::zero();

  if (result.ok()) {
    // The server ended the watch (its timeout, or a restart). A stream that delivered events is
    // healthy: resume at once. One that closed empty-handed may be a server in trouble: back off.
    restart("closed");
    return delivered ? Clock::Duration::zero() : backoff_.next();
  }
  const auto& error = result.error();
  if (isExpired(error)) {
    spdlog::info("watcher {}: resourceVersion {} expired, relisting", api_.resource().plural,
                 resource_version_);
    restart("gone");
    state_ = State::Empty;
    resource_version_.clear();
    // A watch that expired before delivering anything could loop list→watch→410 quickly.
    return delivered ? Clock::Duration::zero() : backoff_.next();
  }
  const auto delay = retryDelay(error);
  spdlog::warn("watcher {}: watch failed at resourceVersion {}, reconnecting in {} ms: {}",
               api_.resource().plural, resource_version_,
               std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
               error.describe());
  restart("error");
  return delay;
}

void Watcher::handle(const kube::WatchEvent& event) {
  // Every event, bookmarks included, moves the resume point forward.
  const auto rv = kube::resourceVersion(event.object);
  if (!rv.empty()) resource_version_ = rv;
  auto transformed = [this](const kube::Object& object) {
    kube::Object copy = object;
    if (config_.transform) config_.transform(copy);
    return copy;
  };
  switch (event.type) {
    case kube::WatchEventType::Added:
    case kube::WatchEventType::Modified:
      sink_(WatcherEvent{WatcherEvent::Type::Applied, transformed(event.object), {}});
      break;
    case kube::WatchEventType::Deleted:
      sink_(WatcherEvent{WatcherEvent::Type::Deleted, transformed(event.object), {}});
      break;
    case kube::WatchEventType::Bookmark:
    case kube::WatchEventType::Error:  // Api::watch turns ERROR events into its Error result
      break;
  }
}

Clock::Duration Watcher::retryDelay(const kube::Error& error) {
  Clock::Duration delay = backoff_.next();
  // A throttled client waits at least as long as the server asked.
  if (auto after = error.retryAfter(); after && *after > delay) delay = *after;
  return delay;
}

void Watcher::restart(const char* reason) {
  if (metrics_) metrics_->watchRestarted(api_.resource().plural, reason);
}

}  // namespace runtime

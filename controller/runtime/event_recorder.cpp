#include "runtime/event_recorder.h"

#include <spdlog/spdlog.h>

#include "runtime/leader_election.h"
#include "runtime/time_format.h"

namespace runtime {

namespace {

// events.k8s.io/v1 refuses notes longer than 1 kB.
constexpr std::size_t kMaxNote = 1024;

std::string truncateUtf8(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t cut = max;
  // Step back over UTF-8 continuation bytes so that no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

const char* typeName(EventType type) { return type == EventType::Warning ? "Warning" : "Normal"; }

std::string stringAt(const kube::Json& object, const std::string& pointer) {
  const auto& value = kube::at(object, pointer, "");
  return value.is_string() ? value.get<std::string>() : std::string();
}

}  // namespace

kube::Resource eventsV1() { return {"events.k8s.io", "v1", "events", "Event", true}; }

EventRecorder::EventRecorder(kube::ClientPtr client, EventRecorderConfig config, ClockPtr clock,
                             RandomPtr random)
    : client_(std::move(client)),
      config_(std::move(config)),
      clock_(clock ? std::move(clock) : realClock()),
      random_(random ? std::move(random) : realRandom()) {
  if (config_.reporting_instance.empty()) config_.reporting_instance = defaultIdentity(*random_);
}

EventRecorder::~EventRecorder() { stop(); }

void EventRecorder::record(const kube::Object& regarding, EventType type, const std::string& reason,
                           const std::string& action, const std::string& note) {
  // Keep only the reference fields: the queue must not pin whole objects in memory.
  kube::Object reference = {{"apiVersion", stringAt(regarding, "/apiVersion")},
                            {"kind", stringAt(regarding, "/kind")},
                            {"metadata",
                             {{"name", kube::name(regarding)},
                              {"namespace", kube::namespaceOf(regarding)},
                              {"uid", kube::uid(regarding)},
                              {"resourceVersion", kube::resourceVersion(regarding)}}}};
  Pending pending{std::move(reference), type, reason, action, truncateUtf8(note, kMaxNote),
                  clock_->wallNow()};
  {
    std::lock_guard guard(mutex_);
    if (queue_.size() >= config_.queue_capacity) {
      if (dropped_++ % 100 == 0) {
        spdlog::warn("events: queue full, dropping event {} on {}", reason,
                     kube::keyOf(pending.regarding));
      }
      return;
    }
    queue_.push_back(std::move(pending));
  }
  changed_.notify_all();
}

void EventRecorder::start() {
  std::lock_guard guard(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (true) {
      changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) break;  // stopping and nothing left
      Pending pending = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      lock.unlock();
      write(pending);
      lock.lock();
      writing_ = false;
      changed_.notify_all();
    }
  });
}

void EventRecorder::stop(std::chrono::milliseconds timeout) {
  std::thread thread;
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
    if (thread_.joinable()) {
      // Give the writer a bounded time to flush; whatever is left after it is dropped.
      changed_.wait_for(lock, timeout, [&] { return queue_.empty() && !writing_; });
      dropped_ += queue_.size();
      queue_.clear();
      changed_.notify_all();
    }
    thread.swap(thread_);
  }
  if (thread.joinable()) thread.join();
}

void EventRecorder::drain() {
  while (true) {
    Pending pending;
    {
      std::lock_guard guard(mutex_);
      if (queue_.empty()) return;
      pending = std::move(queue_.front());
      queue_.pop_front();
    }
    write(pending);
  }
}

std::size_t EventRecorder::dropped() const {
  std::lock_guard guard(mutex_);
  return dropped_;
}

kube::Object EventRecorder::buildEvent(const Pending& pending, const std::string& name) const {
  const auto ns = kube::namespaceOf(pending.regarding);
  kube::Json regarding = {{"apiVersion", stringAt(pending.regarding, "/apiVersion")},
                          {"kind", stringAt(pending.regarding, "/kind")},
                          {"name", kube::name(pending.regarding)}};
  if (!ns.empty()) regarding["namespace"] = ns;
  if (auto uid = kube::uid(pending.regarding); !uid.empty()) regarding["uid"] = uid;
  if (auto rv = kube::resourceVersion(pending.regarding); !rv.empty()) {
    regarding["resourceVersion"] = rv;
  }
  return {{"apiVersion", "events.k8s.io/v1"},
          {"kind", "Event"},
          {"metadata", {{"name", name}, {"namespace", ns.empty() ? "default" : ns}}},
          {"eventTime", formatMicroTime(pending.at)},
          {"reportingController", config_.reporting_controller},
          {"reportingInstance", config_.reporting_instance},
          {"action", pending.action},
          {"reason", pending.reason},
          {"note", pending.note},
          {"type", typeName(pending.type)},
          {"regarding", std::move(regarding)}};
}

void EventRecorder::write(const Pending& pending) {
  std::lock_guard guard(write_mutex_);
  const auto& ref = pending.regarding;
  const std::string object_id =
      kube::uid(ref).empty() ? stringAt(ref, "/kind") + "/" + kube::keyOf(ref) : kube::uid(ref);
  const std::string key = object_id + '\0' + typeName(pending.type) + '\0' + pending.reason + '\0' +
                          pending.action + '\0' + pending.note;

  auto it = seen_.find(key);
  if (it != seen_.end() && pending.at - it->second.last < config_.series_window) {
    auto& seen = it->second;
    const kube::Json patch = {
        {"series", {{"count", seen.count + 1}, {"lastObservedTime", formatMicroTime(pending.at)}}}};
    kube::Api api(client_, eventsV1(), seen.ns);
    auto patched = api.mergePatch(seen.event_name, patch);
    if (patched) {
      seen.count += 1;
      seen.last = pending.at;
      lru_.splice(lru_.begin(), lru_, seen.lru);
      return;
    }
    if (!patched.error().is(kube::ErrorKind::NotFound)) {
      spdlog::debug("events: cannot update {}/{}: {}", seen.ns, seen.event_name,
                    patched.error().describe());
      return;
    }
    // The Event expired (the server keeps them for an hour): start a new one.
  }
  create(pending, key);
}

bool EventRecorder::create(const Pending& pending, const std::string& key) {
  const auto name = kube::name(pending.regarding) + "." + randomHex(*random_, 16);
  auto event = buildEvent(pending, name);
  const auto ns = kube::namespaceOf(event);
  kube::Api api(client_, eventsV1(), ns);
  auto created = api.create(event);
  if (!created) {
    spdlog::debug("events: cannot create {} on {}: {}", pending.reason,
                  kube::keyOf(pending.regarding), created.error().describe());
    return false;
  }
  remember(key, Seen{ns, name, 1, pending.at, {}});
  return true;
}

void EventRecorder::remember(const std::string& key, Seen seen) {
  auto it = seen_.find(key);
  if (it != seen_.end()) {
    lru_.erase(it->second.lru);
    seen_.erase(it);
  }
  lru_.push_front(key);
  seen.lru = lru_.begin();
  seen_.emplace(key, std::move(seen));
  while (seen_.size() > config_.cache_size) {
    seen_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace runtime

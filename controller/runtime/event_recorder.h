#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "kube/api.h"
#include "kube/client.h"
#include "runtime/clock.h"
#include "runtime/random.h"

namespace runtime {

enum class EventType { Normal, Warning };

struct EventRecorderConfig {
  std::string reporting_controller = "registry-operator";
  std::string reporting_instance;     // the pod or leader identity; empty: the hostname-based id
  std::size_t queue_capacity = 1000;  // beyond this, new events are dropped (and logged)
  std::size_t cache_size = 4096;      // how many distinct events are remembered for dedup
  // A repeat within this window bumps the existing Event's series; after it, a new Event.
  std::chrono::seconds series_window{std::chrono::minutes(6)};
};

// Records events.k8s.io/v1 Events about objects, for `kubectl describe` and `kubectl events`.
//
// record() never blocks on the API server: events go to a bounded queue and a background thread
// writes them, so a slow or unreachable server cannot stall a reconcile (at worst events are
// dropped; they are advisory). Repeats of the same object + type + reason + action + note do not
// create new Events: the first one's `series` (count, lastObservedTime) is bumped instead, which
// keeps a reconcile retrying in a loop from flooding etcd.
//
// The recorder writes exactly the text it is given; callers must not put secret values in it.
class EventRecorder {
 public:
  EventRecorder(kube::ClientPtr client, EventRecorderConfig config = {},
                ClockPtr clock = realClock(), RandomPtr random = realRandom());
  ~EventRecorder();  // stop()
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // `regarding` needs apiVersion, kind and metadata (name, namespace, uid). `action` says what
  // the controller did or failed to do ("Apply", "Validate"); `reason` why, in CamelCase.
  void record(const kube::Object& regarding, EventType type, const std::string& reason,
              const std::string& action, const std::string& note);
  void normal(const kube::Object& regarding, const std::string& reason, const std::string& action,
              const std::string& note) {
    record(regarding, EventType::Normal, reason, action, note);
  }
  void warning(const kube::Object& regarding, const std::string& reason, const std::string& action,
               const std::string& note) {
    record(regarding, EventType::Warning, reason, action, note);
  }

  // Starts the background writer. Without it, drain() writes synchronously (tests).
  void start();
  // Writes what is queued (up to `timeout`), then stops the writer.
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Writes everything queued now, on the calling thread.
  void drain();

  std::size_t dropped() const;

 private:
  struct Pending {
    kube::Object regarding;
    EventType type = EventType::Normal;
    std::string reason;
    std::string action;
    std::string note;
    std::chrono::system_clock::time_point at;
  };
  struct Seen {
    std::string ns;
    std::string event_name;
    int count = 1;
    std::chrono::system_clock::time_point last;
    std::list<std::string>::iterator lru;
  };

  void write(const Pending& pending);
  bool create(const Pending& pending, const std::string& key);
  kube::Object buildEvent(const Pending& pending, const std::string& name) const;
  void remember(const std::string& key, Seen seen);

  kube::ClientPtr client_;
  EventRecorderConfig config_;
  ClockPtr clock_;
  RandomPtr random_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  bool writing_ = false;
  std::size_t dropped_ = 0;
  std::thread thread_;

  // Touched only by the writing thread (or drain()).
  std::mutex write_mutex_;
  std::map<std::string, Seen> seen_;
  std::list<std::string> lru_;  // most recent first
};

// The events.k8s.io/v1 Event resource.
kube::Resource eventsV1();

}  // namespace runtime

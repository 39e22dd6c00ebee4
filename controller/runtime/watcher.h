#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kube/api.h"
#include "kube/cancel.h"
#include "runtime/backoff.h"
#include "runtime/clock.h"
#include "runtime/metrics.h"
#include "runtime/random.h"

namespace runtime {

// What a watcher tells its consumer (kube-rs's watcher::Event, with its paged InitApply). A list
// arrives page by page: Listed for each page but the last, then Restarted with the last one. A
// consumer that keeps a cache gathers the pages and replaces its contents on Restarted, because
// objects deleted while the watch was down appear in no Deleted event. Pages come one at a time
// so that a consumer may shrink each (a packed cache) before the next is read, instead of
// holding a whole list of parsed objects at once. A list that fails midway never ends; the
// next one begins with a page whose `first_page` is true.
struct WatcherEvent {
  enum class Type { Restarted, Applied, Deleted, Listed };
  Type type;
  kube::Object object;                // Applied, Deleted
  std::vector<kube::Object> objects;  // Listed, Restarted: the objects of one page
  bool first_page = true;             // Listed, Restarted: this page begins a list
};
using WatcherSink = std::function<void(WatcherEvent&& event)>;

struct WatcherConfig {
  std::string label_selector;
  std::string field_selector;
  int page_size = 500;  // the initial list is read in pages of this many objects
  // The server ends each watch after this long; we resume from the last resourceVersion.
  // Below the transport's idle timeout is not needed: bookmarks keep the stream busy.
  int watch_timeout_seconds = 290;
  BackoffPolicy backoff;
  // Applied to every listed and watched object before the consumer sees it (controller-runtime's
  // cache TransformFunc): a cache that needs only part of each object keeps only that part.
  std::function<void(kube::Object& object)> transform;
  // How the informer's cache holds the objects (Store::Encoding): packed for kinds whose objects
  // are large and read once per reconcile, such as the ones a controller owns.
  bool packed_cache = false;
};

// List-then-watch as a small state machine (kube-rs's watcher, client-go's reflector):
//
//   Empty ──list ok──▶ Watching(rv) ──event/bookmark──▶ Watching(rv')
//     ▲   ◀─list error, backoff─┘ │ │
//     └────── 410 Gone / expired ─┘ └─ closed or any other error: backoff, watch again from rv
//
// A (re)list emits Restarted with every object; each watch event emits Applied or Deleted.
// It never throws and never gives up: run() steps until the token is cancelled. step() is public
// so unit tests drive the machine one transition at a time against a scripted transport.
class Watcher {
 public:
  enum class State { Empty, Watching };

  Watcher(kube::Api api, WatcherConfig config, WatcherSink sink, ClockPtr clock = realClock(),
          RandomPtr random = realRandom(), MetricsPtr metrics = nullptr);

  // Performs one transition (a list, or one watch until its stream ends) and returns how long
  // to wait before the next one.
  Clock::Duration step(const kube::CancelToken& cancel);
  // Steps, sleeping between steps on the Clock, until `cancel` fires.
  void run(const kube::CancelToken& cancel);

  State state() const { return state_; }
  // The resourceVersion the next watch resumes from (empty before the first list).
  const std::string& resourceVersion() const { return resource_version_; }
  const kube::Api& api() const { return api_; }

 private:
  Clock::Duration list();
  Clock::Duration watch(const kube::CancelToken& cancel);
  void handle(const kube::WatchEvent& event);
  void restart(const char* reason);
  Clock::Duration retryDelay(const kube::Error& error);

  kube::Api api_;
  WatcherConfig config_;
  WatcherSink sink_;
  ClockPtr clock_;
  MetricsPtr metrics_;
  Backoff backoff_;
  State state_ = State::Empty;
  std::string resource_version_;
};

// True for the errors that mean "your resourceVersion is too old, list again": 410 Gone, and
// the Expired/Gone reasons a watch ERROR event or an expired continue token carries.
bool isExpired(const kube::Error& error);

}  // namespace runtime

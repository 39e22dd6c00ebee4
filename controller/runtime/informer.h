#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "kube/api.h"
#include "kube/cancel.h"
#include "runtime/store.h"
#include "runtime/watcher.h"

namespace runtime {

// Called, after the store was updated, with each object that changed: for an update both the
// old and the new version (either may map to a different owner), for a relist every object
// that exists now and every object that vanished meanwhile. Level-triggered consumers need no
// more than "look at this object again"; they read the cache for the rest.
using ChangeHandler = std::function<void(const kube::Object& object)>;

// A watcher feeding one Store (the only writer) and fanning changes out to handlers, on a thread
// of its own (client-go's SharedInformer, kube-rs's reflector).
class Informer {
 public:
  Informer(kube::Api api, WatcherConfig config = {}, ClockPtr clock = realClock(),
           RandomPtr random = realRandom(), MetricsPtr metrics = nullptr);
  ~Informer();  // stops the thread
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  const StorePtr& store() const { return store_; }
  const kube::Resource& resource() const { return resource_; }
  bool synced() const { return store_->synced(); }

  void addHandler(ChangeHandler handler);

  // Starts the watcher thread (once); stop() cancels it and joins.
  void start();
  void stop();

  // Applies one watcher event to the store and the handlers. The watcher thread calls it; unit
  // tests call it directly instead of running a watcher.
  void dispatch(WatcherEvent&& event);

 private:
  void notify(const kube::Object& object);

  kube::Resource resource_;
  StorePtr store_;
  Watcher watcher_;
  kube::CancelToken cancel_;
  std::mutex mutex_;  // guards handlers_ and thread_
  std::vector<ChangeHandler> handlers_;
  std::thread thread_;
};
using InformerPtr = std::shared_ptr<Informer>;

}  // namespace runtime

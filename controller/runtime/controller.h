#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kube/api.h"
#include "kube/cancel.h"
#include "runtime/clock.h"
#include "runtime/informer.h"
#include "runtime/metrics.h"
#include "runtime/object_key.h"
#include "runtime/random.h"
#include "runtime/reconcile_result.h"
#include "runtime/store.h"
#include "runtime/work_queue.h"

namespace runtime {

// Reconciles one primary object, by key. Reads from the controller's caches, writes to the API
// server, and is idempotent: it may run any number of times for the same state.
//
// `cancel` fires when the controller stops: on shutdown, and under a Manager on lost
// leadership. A reconcile passes it to its API calls (kube::Api::withCancel) so that a stopping
// controller does not wait out slow requests and a replica that lost its lease stops writing
// at once; it may also check it between steps. Whatever a cancelled reconcile returns, the key
// is not retried by this run (the queue is shutting down); the next run lists everything again.
using Reconciler =
    std::function<ReconcileResult(const ObjectKey& key, const kube::CancelToken& cancel)>;
// Maps a watched object to the primary keys that depend on it (e.g. a Secret → the CRs naming it).
using Mapper = std::function<std::vector<ObjectKey>(const kube::Object& object)>;

struct ControllerOptions {
  std::string name;  // label of the controller's metrics, its queue and its log lines
  int workers = 2;
  WatcherConfig primary_watch;  // selectors for the primary kind
  // How long in-flight reconciles may take to finish once shutdown starts.
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(30)};
  ClockPtr clock = realClock();
  RandomPtr random = realRandom();
  MetricsPtr metrics;  // null: no metrics
};

// The controller-runtime / kube-rs controller shape:
//
//   Controller ctl(crApi, {.name = "registryconfig"});
//   ctl.owns(deploymentApi, byLabel).watches(secretApi, secretToCRs);
//   ctl.run(reconcile, cancel);
//
// One informer per watched kind feeds a cache (Store) and maps each change to primary keys on a
// deduplicating, rate-limited work queue; N workers take keys and call the reconciler, never two
// workers on one key. Workers start only after every cache has synced once, so a reconcile never
// mistakes "not yet listed" for "does not exist".
class Controller {
 public:
  Controller(kube::Api primary, ControllerOptions options);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Call owns() and watches() before startCaches()/run(); run() is called once per Controller.
  //
  // A change to an owned object enqueues the primary named by its controller ownerReference
  // (when that reference's kind and group are the primary's), in the object's namespace.
  Controller& owns(kube::Api api, WatcherConfig config = {});
  // A change to a watched object enqueues whatever `mapper` returns.
  Controller& watches(kube::Api api, Mapper mapper, WatcherConfig config = {});

  // Caches for the reconciler. store() is the primary kind's; store(resource) is the first
  // cache of an owned or watched kind (null if the controller does not watch it).
  StorePtr store() const;
  StorePtr store(const kube::Resource& resource) const;

  // Enqueues a key from outside the watches (e.g. a periodic resync or a test).
  void enqueue(const ObjectKey& key);
  WorkQueue& queue();

  // Starts the informers (idempotent). run() does it too; call it earlier to fill the caches
  // while waiting for leadership, so that /readyz turns ready on standby replicas as well.
  void startCaches();
  // True once every cache has synced (the /readyz check).
  bool synced() const;

  // Starts the caches, waits for them to sync, runs the workers until `cancel` fires, then stops
  // taking work and waits up to shutdown_timeout for in-flight reconciles, which see `cancel`
  // fire too. Returns true when all of them finished; false means some are still running (the
  // caller should exit the process, as the reconciler's own state may be torn down under them).
  bool run(Reconciler reconciler, const kube::CancelToken& cancel);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace runtime

#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kube/cancel.h"
#include "kube/client.h"
#include "runtime/clock.h"
#include "runtime/controller.h"
#include "runtime/event_recorder.h"
#include "runtime/leader_election.h"
#include "runtime/metrics.h"
#include "runtime/random.h"

namespace runtime {

struct ManagerOptions {
  // "host:port" or ":port"; empty disables that server. Both may name the same address.
  std::string metrics_address = ":8080";
  std::string health_address = ":8081";
  bool leader_elect = false;
  LeaderElectionConfig leader_election;  // lease_namespace is required when leader_elect
  EventRecorderConfig events;
  ClockPtr clock = realClock();
  RandomPtr random = realRandom();
  // When > 0: the longest the stop may take once it has begun (cancel, or lost leadership),
  // in real time. Past it the process ends at once (runtime::exitNow, status 1), whatever still
  // waits: an informer or the event writer on a connection that stopped answering can hold its
  // thread for its own timeout. Meant for the binary; 0 (tests, embedders) never exits.
  std::chrono::milliseconds stop_deadline{0};
  // How often the waiting main thread hands free heap pages back to the system
  // (releaseFreeMemory): after a relist or a wave of reconciles, glibc would keep the resident
  // size at the burst's peak. A trim that finds nothing to free costs microseconds. 0: never.
  std::chrono::milliseconds release_memory_every{std::chrono::seconds(10)};
};

// What `registry-operator run` needs around its controllers (controller-runtime's Manager):
// metrics on every API request, the health/metrics endpoints, an event recorder, optional
// leader election, and the shutdown order:
//
//   cancel → controllers stop taking work → in-flight reconciles, whose tokens fire, finish
//   (each controller's shutdown_timeout) → lease released → events flushed → endpoints closed.
//
// Lost leadership starts the same sequence (without releasing the lease), so a reconcile that
// passes its token to its requests stops writing as soon as another replica may have started.
//
// Caches start at once, leader or not, so a standby replica is ready to take over quickly and
// its /readyz reports ready; reconciles run only while leading.
class Manager {
 public:
  Manager(kube::ClientPtr client, ManagerOptions options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  const kube::ClientPtr& client() const { return client_; }
  const MetricsPtr& metrics() const { return metrics_; }
  EventRecorder& events() { return *events_; }
  const ClockPtr& clock() const { return options_.clock; }
  const RandomPtr& random() const { return options_.random; }

  // Options pre-filled with the manager's clock, randomness and metrics.
  ControllerOptions controllerOptions(std::string name, int workers = 2) const;

  // Registers a controller to run under this manager. Call before run().
  void add(std::shared_ptr<Controller> controller, Reconciler reconciler);

  // Runs everything until `cancel` fires (returns 0) or leadership is lost or the endpoints
  // cannot start (returns 1, the process exit status the operator should use).
  //
  // When reconciles did not finish within their controller's shutdown_timeout, run() returns
  // 1 with them still running on detached threads, and drained() is false. Those reconciles
  // use whatever their reconciler captured (the caller's objects, this Manager's event
  // recorder and client): the caller must then not destroy anything, nor return from main(),
  // but end the process at once (runtime::exitNow).
  int run(const kube::CancelToken& cancel);
  // False after a run() that left reconciles running (see run()).
  bool drained() const;

  // True while this manager's controllers are running (leading, or no leader election).
  bool isRunningControllers() const;
  // The lease holder as last observed by leader election ("" before the first look, when the
  // lease is free, or without leader election).
  std::string observedLeader() const;

 private:
  struct Impl;
  kube::ClientPtr client_;
  ManagerOptions options_;
  MetricsPtr metrics_;
  std::unique_ptr<EventRecorder> events_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace runtime

#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "kube/api.h"
#include "kube/cancel.h"
#include "runtime/clock.h"
#include "runtime/metrics.h"
#include "runtime/random.h"

namespace runtime {

struct LeaderElectionConfig {
  std::string lease_name = "registry-operator-leader";
  std::string lease_namespace;
  std::string identity;  // empty: defaultIdentity()
  // client-go's defaults: a leader that cannot renew for renew_deadline steps down; others take
  // over once lease_duration has passed since its last renewal. The 5 s between them is the
  // safety margin for clock rates and slow requests.
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
  // On cancellation, hand the lease over at once instead of letting it expire.
  bool release_on_cancel = true;
};

struct LeaderCallbacks {
  // Called on the elector's thread when this process becomes leader; must return promptly
  // (start the controllers on threads of their own).
  std::function<void()> on_started_leading;
  // Called when leadership ends, lost or released.
  std::function<void()> on_stopped_leading;
  // Called whenever a different holder is observed (including ourselves).
  std::function<void(const std::string& identity)> on_new_leader;
};

// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
// acquire the lease when it is free or expired, renew it every retry_period, and give up
// leadership when no renewal succeeded for renew_deadline. Every write is an update carrying
// the resourceVersion we read, so two candidates can never both win a round (optimistic
// concurrency), whatever their timing.
//
// Expiry is judged by our own monotonic clock: when we first see a new renewal, not by the
// holder's timestamp, so skewed wall clocks cannot make us take a live lease. The observation
// is backdated by the lease's own age, but by at most one retry period, so that takeover happens
// within lease_duration + retry_period of the last renewal when clocks agree, and skew can
// cost at most one retry period of the safety margin.
class LeaderElector {
 public:
  enum class Outcome { Cancelled, Lost };

  // `leases` may be in any namespace; config.lease_namespace is used.
  LeaderElector(kube::Api leases, LeaderElectionConfig config, ClockPtr clock = realClock(),
                RandomPtr random = realRandom(), MetricsPtr metrics = nullptr);

  // Campaigns until elected, then renews until `cancel` fires (→ Cancelled, lease released if
  // configured) or a renewal deadline is missed (→ Lost; the operator should exit non-zero).
  //
  // The renew deadline bounds each whole renewal attempt, all its requests together: they are
  // cancelled when renew_deadline has passed since the start of the last successful renewal,
  // and run() then returns Lost (on_stopped_leading first), at that deadline on the injected
  // Clock, however long the API server would have taken to answer. A renewal answered only
  // after the deadline does not count. Requests while campaigning are abandoned when `cancel`
  // fires.
  Outcome run(const kube::CancelToken& cancel, const LeaderCallbacks& callbacks);

  bool isLeader() const;
  const std::string& identity() const { return config_.identity; }
  // The holder seen in the lease at the last attempt ("" when free or unknown).
  std::string observedLeader() const;

  // One attempt to acquire or renew (public for tests). True when we hold the lease afterwards.
  bool tryAcquireOrRenew();
  // Empties the lease if we hold it, so a successor need not wait for it to expire.
  bool release();

 private:
  bool tryAcquireOrRenew(const kube::Api& leases);
  void observe(const kube::Object& lease);
  bool observedExpired() const;
  kube::Object leaseSpecFor(const kube::Object* existing) const;

  kube::Api leases_;
  LeaderElectionConfig config_;
  ClockPtr clock_;
  MetricsPtr metrics_;

  mutable std::mutex mutex_;  // guards what other threads may read
  bool leader_ = false;
  std::string observed_holder_;

  // Only the run() thread touches these.
  std::string observed_spec_;  // the lease's spec as last seen, serialized
  std::optional<Clock::TimePoint> observed_at_;
  std::optional<Clock::TimePoint> last_poll_;
  std::chrono::seconds observed_duration_{0};
  kube::Object last_lease_;  // the lease as of our last successful write
};

// "<hostname>_<10 random hex digits>": unique per process, readable in `kubectl get lease`.
std::string defaultIdentity(Random& random);

}  // namespace runtime

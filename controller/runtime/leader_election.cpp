#include "runtime/leader_election.h"

#include <unistd.h>

#include <algorithm>
#include <climits>

#include <spdlog/spdlog.h>

#include "runtime/deadline.h"
#include "runtime/time_format.h"

namespace runtime {

std::string defaultIdentity(Random& random) {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof host, "unknown");
  return std::string(host) + "_" + randomHex(random, 10);
}

LeaderElector::LeaderElector(kube::Api leases, LeaderElectionConfig config, ClockPtr clock,
                             RandomPtr random, MetricsPtr metrics)
    // A renewal must not hang past the renew deadline: a leader stuck in one request would
    // keep reconciling after another replica took the lease.
    : leases_(leases.inNamespace(config.lease_namespace)
                  .withTimeout(std::max(std::chrono::seconds(1), config.renew_deadline / 2))),
      config_(std::move(config)),
      clock_(clock ? std::move(clock) : realClock()),
      metrics_(std::move(metrics)) {
  if (config_.identity.empty())
    config_.identity = defaultIdentity(random ? *random : *realRandom());
}

bool LeaderElector::isLeader() const {
  std::lock_guard guard(mutex_);
  return leader_;
}

std::string LeaderElector::observedLeader() const {
  std::lock_guard guard(mutex_);
  return observed_holder_;
}

void LeaderElector::observe(const kube::Object& lease) {
  const auto now = clock_->now();
  const auto& spec = kube::at(lease, "/spec", kube::Json::object());
  const auto serialized = spec.dump();
  if (serialized != observed_spec_) {
    // A new renewal (or a new holder). Backdate the observation by the lease's age according to
    // its renewTime, but never past our previous poll: the renewal happened after that one.
    Clock::Duration age{0};
    const auto& renew_time = kube::at(spec, "/renewTime", "");
    if (last_poll_ && renew_time.is_string()) {
      if (auto renewed = parseTime(renew_time.get<std::string>())) {
        const auto wall_age =
            std::chrono::duration_cast<Clock::Duration>(clock_->wallNow() - *renewed);
        age = std::clamp(wall_age, Clock::Duration::zero(), now - *last_poll_);
      }
    }
    observed_spec_ = serialized;
    observed_at_ = now - age;
    const auto& duration = kube::at(spec, "/leaseDurationSeconds", 0);
    observed_duration_ = duration.is_number_integer() && duration.get<long long>() > 0
                             ? std::chrono::seconds(duration.get<long long>())
                             : config_.lease_duration;
  }
  last_poll_ = now;
  const auto& holder = kube::at(spec, "/holderIdentity", "");
  std::lock_guard guard(mutex_);
  observed_holder_ = holder.is_string() ? holder.get<std::string>() : std::string();
}

bool LeaderElector::observedExpired() const {
  return !observed_at_ || *observed_at_ + observed_duration_ <= clock_->now();
}

kube::Object LeaderElector::leaseSpecFor(const kube::Object* existing) const {
  const auto now = formatMicroTime(clock_->wallNow());
  kube::Json spec =
      existing ? kube::at(*existing, "/spec", kube::Json::object()) : kube::Json::object();
  if (!spec.is_object()) spec = kube::Json::object();
  const auto& holder = kube::at(spec, "/holderIdentity", "");
  const bool ours = holder.is_string() && holder.get<std::string>() == config_.identity;
  if (!ours) {
    spec["acquireTime"] = now;
    const auto& transitions = kube::at(spec, "/leaseTransitions", 0);
    const long long previous = transitions.is_number_integer() ? transitions.get<long long>() : 0;
    // A transition is a change of holder; taking over a released (empty) lease counts too,
    // as in client-go.
    spec["leaseTransitions"] = existing ? previous + 1 : 0;
  }
  spec["holderIdentity"] = config_.identity;
  spec["leaseDurationSeconds"] = config_.lease_duration.count();
  spec["renewTime"] = now;
  return spec;
}

bool LeaderElector::tryAcquireOrRenew() { return tryAcquireOrRenew(leases_); }

bool LeaderElector::tryAcquireOrRenew(const kube::Api& leases) {
  auto current = leases.get(config_.lease_name);
  if (!current) {
    if (current.error().is(kube::ErrorKind::Cancelled)) {
      spdlog::debug("leader election: read lease: {}", current.error().describe());
      return false;
    }
    if (!current.error().is(kube::ErrorKind::NotFound)) {
      spdlog::warn("leader election: cannot read lease {}/{}: {}", config_.lease_namespace,
                   config_.lease_name, current.error().describe());
      return false;
    }
    kube::Object lease = {
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
        {"spec", leaseSpecFor(nullptr)}};
    auto created = leases.create(lease);
    if (!created) {
      // AlreadyExists: another candidate created it first; it won this round.
      spdlog::debug("leader election: create lease: {}", created.error().describe());
      return false;
    }
    observe(*created);
    last_lease_ = *created;
    return true;
  }

  observe(*current);
  const auto holder = observedLeader();
  if (!holder.empty() && holder != config_.identity && !observedExpired()) return false;

  kube::Object desired = *current;
  desired["spec"] = leaseSpecFor(&*current);
  if (desired.contains("metadata") && desired["metadata"].is_object()) {
    desired["metadata"].erase("managedFields");
  }
  auto updated = leases.replace(desired);  // carries the resourceVersion we read
  if (!updated) {
    spdlog::debug("leader election: update lease: {}", updated.error().describe());
    return false;
  }
  observe(*updated);
  last_lease_ = *updated;
  return true;
}

bool LeaderElector::release() {
  if (last_lease_.is_null()) return false;
  kube::Object desired = last_lease_;
  auto& spec = desired["spec"];
  const auto now = formatMicroTime(clock_->wallNow());
  // client-go's release: no holder, a 1 s duration and fresh times, so anyone may take it now.
  spec["holderIdentity"] = "";
  spec["leaseDurationSeconds"] = 1;
  spec["renewTime"] = now;
  spec["acquireTime"] = now;
  auto updated = leases_.replace(desired);
  if (!updated) {
    spdlog::warn("leader election: release lease {}/{}: {}", config_.lease_namespace,
                 config_.lease_name, updated.error().describe());
    return false;
  }
  last_lease_ = kube::Json();
  spdlog::info("leader election: released lease {}/{}", config_.lease_namespace,
               config_.lease_name);
  return true;
}

LeaderElector::Outcome LeaderElector::run(const kube::CancelToken& cancel,
                                          const LeaderCallbacks& callbacks) {
  std::string last_reported;
  const auto report_leader = [&] {
    const auto holder = observedLeader();
    if (holder != last_reported && !holder.empty()) {
      last_reported = holder;
      spdlog::info("leader election: lease {}/{} held by {}", config_.lease_namespace,
                   config_.lease_name, holder);
      if (callbacks.on_new_leader) callbacks.on_new_leader(holder);
    }
  };

  spdlog::info("leader election: {} campaigning for lease {}/{}", config_.identity,
               config_.lease_namespace, config_.lease_name);
  // 0 from the start, not absent, so that a standby replica shows as one and an alert on the
  // sum over replicas (exactly one leader) sees every replica.
  if (metrics_) metrics_->setLeader(config_.lease_name, false);
  // Campaigning: a request hanging while we are asked to stop is abandoned.
  const auto campaigning = leases_.withCancel(cancel);
  while (true) {
    if (cancel.cancelled()) return Outcome::Cancelled;
    const bool acquired = tryAcquireOrRenew(campaigning);
    report_leader();
    if (acquired) break;
    if (!clock_->sleepFor(config_.retry_period, cancel)) return Outcome::Cancelled;
  }

  {
    std::lock_guard guard(mutex_);
    leader_ = true;
  }
  if (metrics_) metrics_->setLeader(config_.lease_name, true);
  spdlog::info("leader election: {} became leader", config_.identity);
  if (callbacks.on_started_leading) callbacks.on_started_leading();

  // When the last successful renewal started: the renewTime it wrote is no older than this, so
  // others cannot take the lease before this + lease_duration, and we stop leading by this +
  // renew_deadline. (Not when it returned: a slow answer must not buy extra time.)
  auto last_renew = clock_->now();
  Outcome outcome = Outcome::Cancelled;
  while (true) {
    const auto deadline = last_renew + config_.renew_deadline;
    // Never sleep past the deadline: leadership ends at it, not at the next retry after it.
    const auto now = clock_->now();
    const auto pause = std::min<Clock::Duration>(config_.retry_period,
                                                 std::max(deadline - now, Clock::Duration::zero()));
    if (!clock_->sleepFor(pause, cancel)) break;
    const auto started = clock_->now();
    bool renewed = false;
    bool expired = false;
    {
      // Every request of this attempt (read, then update) is abandoned at the deadline, so a
      // hanging API server cannot keep us leading past it, nor can shutdown wait on it.
      Deadline bound(clock_, deadline, cancel);
      renewed = tryAcquireOrRenew(leases_.withCancel(bound.token()));
      expired = bound.expired();
    }
    if (renewed && !expired) {
      last_renew = started;
      continue;
    }
    if (cancel.cancelled()) break;
    report_leader();
    const auto holder = observedLeader();
    const bool taken = !holder.empty() && holder != config_.identity;
    if (taken || expired) {
      if (expired) {
        spdlog::error("leader election: {} could not renew lease {}/{} within {} s",
                      config_.identity, config_.lease_namespace, config_.lease_name,
                      config_.renew_deadline.count());
      }
      outcome = Outcome::Lost;
      break;
    }
  }

  {
    std::lock_guard guard(mutex_);
    leader_ = false;
  }
  if (metrics_) metrics_->setLeader(config_.lease_name, false);
  if (outcome == Outcome::Lost) {
    spdlog::error("leader election: {} lost lease {}/{} (holder now \"{}\")", config_.identity,
                  config_.lease_namespace, config_.lease_name, observedLeader());
  } else if (config_.release_on_cancel) {
    release();
  }
  if (callbacks.on_stopped_leading) callbacks.on_stopped_leading();
  return outcome;
}

}  // namespace runtime

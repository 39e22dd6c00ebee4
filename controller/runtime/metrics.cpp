#include "runtime/metrics.h"

#include <prometheus/text_serializer.h>

namespace runtime {

namespace {

// controller-runtime's reconcile_time_seconds buckets: 5 ms .. 60 s. Never destroyed: a worker
// left running by a shutdown that could not drain may still record its reconcile's duration
// while the process exits, and must not read a static that exit has already destroyed (TSan
// saw exactly that in the controller's undrained-shutdown test).
const prometheus::Histogram::BucketBoundaries& reconcileBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
      0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
      6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
  return *buckets;
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      reconcile_total_(prometheus::BuildCounter()
                           .Name("controller_runtime_reconcile_total")
                           .Help("Total number of reconciliations per controller")
                           .Register(*registry_)),
      reconcile_errors_total_(prometheus::BuildCounter()
                                  .Name("controller_runtime_reconcile_errors_total")
                                  .Help("Total number of reconciliation errors per controller")
                                  .Register(*registry_)),
      terminal_reconcile_errors_total_(
          prometheus::BuildCounter()
              .Name("controller_runtime_terminal_reconcile_errors_total")
              .Help("Total number of terminal reconciliation errors per controller")
              .Register(*registry_)),
      reconcile_time_seconds_(prometheus::BuildHistogram()
                                  .Name("controller_runtime_reconcile_time_seconds")
                                  .Help("Length of time per reconciliation per controller")
                                  .Register(*registry_)),
      max_concurrent_reconciles_(prometheus::BuildGauge()
                                     .Name("controller_runtime_max_concurrent_reconciles")
                                     .Help("Maximum number of concurrent reconciles per controller")
                                     .Register(*registry_)),
      active_workers_(prometheus::BuildGauge()
                          .Name("controller_runtime_active_workers")
                          .Help("Number of currently used workers per controller")
                          .Register(*registry_)),
      workqueue_depth_(prometheus::BuildGauge()
                           .Name("workqueue_depth")
                           .Help("Current depth of workqueue")
                           .Register(*registry_)),
      workqueue_adds_total_(prometheus::BuildCounter()
                                .Name("workqueue_adds_total")
                                .Help("Total number of adds handled by workqueue")
                                .Register(*registry_)),
      workqueue_retries_total_(prometheus::BuildCounter()
                                   .Name("workqueue_retries_total")
                                   .Help("Total number of retries handled by workqueue")
                                   .Register(*registry_)),
      watch_restarts_total_(
          prometheus::BuildCounter()
              .Name("watch_restarts_total")
              .Help("Watch reconnects (reason error/closed) and relists (reason gone)")
              .Register(*registry_)),
      rest_client_requests_total_(
          prometheus::BuildCounter()
              .Name("rest_client_requests_total")
              .Help("Number of HTTP requests to the API server, partitioned by verb and code")
              .Register(*registry_)),
      leader_election_master_status_(prometheus::BuildGauge()
                                         .Name("leader_election_master_status")
                                         .Help("1 while this process holds the named lease, else 0")
                                         .Register(*registry_)) {}

std::string Metrics::render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

void Metrics::reconcileFinished(const std::string& controller, const std::string& result,
                                double seconds) {
  reconcile_total_.Add({{"controller", controller}, {"result", result}}).Increment();
  reconcile_time_seconds_.Add({{"controller", controller}}, reconcileBuckets()).Observe(seconds);
}

void Metrics::reconcileError(const std::string& controller, bool terminal) {
  reconcile_errors_total_.Add({{"controller", controller}}).Increment();
  if (terminal) terminal_reconcile_errors_total_.Add({{"controller", controller}}).Increment();
}

void Metrics::setWorkers(const std::string& controller, int max, int active) {
  max_concurrent_reconciles_.Add({{"controller", controller}}).Set(max);
  active_workers_.Add({{"controller", controller}}).Set(active);
}

prometheus::Gauge& Metrics::queueDepth(const std::string& queue) {
  return workqueue_depth_.Add({{"name", queue}});
}

prometheus::Counter& Metrics::queueAdds(const std::string& queue) {
  return workqueue_adds_total_.Add({{"name", queue}});
}

prometheus::Counter& Metrics::queueRetries(const std::string& queue) {
  return workqueue_retries_total_.Add({{"name", queue}});
}

void Metrics::watchRestarted(const std::string& resource, const std::string& reason) {
  watch_restarts_total_.Add({{"resource", resource}, {"reason", reason}}).Increment();
}

void Metrics::apiRequest(const std::string& verb, int status) {
  // client-go reports "<error>" when no HTTP status was received.
  const std::string code = status == 0 ? "<error>" : std::to_string(status);
  rest_client_requests_total_.Add({{"verb", verb}, {"code", code}}).Increment();
}

kube::RequestObserver Metrics::requestObserver() {
  // Weak, because the Client may outlive the Metrics (e.g. in tests that build several).
  return [weak = weak_from_this()](const std::string& verb, int status) {
    if (auto self = weak.lock()) self->apiRequest(verb, status);
  };
}

void Metrics::setLeader(const std::string& lease, bool leader) {
  leader_election_master_status_.Add({{"name", lease}}).Set(leader ? 1 : 0);
}

}  // namespace runtime

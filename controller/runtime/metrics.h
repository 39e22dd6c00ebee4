#pragma once

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "kube/client.h"

namespace runtime {

// The runtime's Prometheus metrics, named like controller-runtime's so that existing dashboards
// and alerts work unchanged. One instance per process, shared by every component; components
// accept a null MetricsPtr (tests) and then record nothing.
class Metrics : public std::enable_shared_from_this<Metrics> {
 public:
  Metrics();

  // Other layers register their own families here so that /metrics serves them too.
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  // Prometheus text exposition format (version 0.0.4) of everything registered.
  std::string render() const;

  // result: "success", "error", "requeue" or "requeue_after" (controller-runtime's labels).
  void reconcileFinished(const std::string& controller, const std::string& result, double seconds);
  void reconcileError(const std::string& controller, bool terminal);
  void setWorkers(const std::string& controller, int max, int active);

  prometheus::Gauge& queueDepth(const std::string& queue);
  prometheus::Counter& queueAdds(const std::string& queue);
  prometheus::Counter& queueRetries(const std::string& queue);

  // reason: "gone" (relist), "error" or "closed" (reconnect).
  void watchRestarted(const std::string& resource, const std::string& reason);
  void apiRequest(const std::string& verb, int status);
  // For kube::Client::setObserver: counts every API request by verb and HTTP code. Holds only a
  // weak reference, so create the Metrics with std::make_shared.
  kube::RequestObserver requestObserver();

  void setLeader(const std::string& lease, bool leader);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& reconcile_total_;
  prometheus::Family<prometheus::Counter>& reconcile_errors_total_;
  prometheus::Family<prometheus::Counter>& terminal_reconcile_errors_total_;
  prometheus::Family<prometheus::Histogram>& reconcile_time_seconds_;
  prometheus::Family<prometheus::Gauge>& max_concurrent_reconciles_;
  prometheus::Family<prometheus::Gauge>& active_workers_;
  prometheus::Family<prometheus::Gauge>& workqueue_depth_;
  prometheus::Family<prometheus::Counter>& workqueue_adds_total_;
  prometheus::Family<prometheus::Counter>& workqueue_retries_total_;
  prometheus::Family<prometheus::Counter>& watch_restarts_total_;
  prometheus::Family<prometheus::Counter>& rest_client_requests_total_;
  prometheus::Family<prometheus::Gauge>& leader_election_master_status_;
};
using MetricsPtr = std::shared_ptr<Metrics>;

}  // namespace runtime

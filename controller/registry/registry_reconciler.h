#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kube/client.h"
#include "registry/platform.h"
#include "registry/registry_config.h"
#include "registry/registry_status.h"
#include "runtime/clock.h"
#include "runtime/controller.h"
#include "runtime/event_recorder.h"
#include "runtime/reconcile_result.h"

namespace registry {

// Turns one RegistryConfig into its objects (DESIGN.md §4): computes the desired objects from
// the CR alone (pure builders), applies with server-side apply only those that differ from the
// cache, deletes owned objects no longer wanted, and writes status only when it changed. A
// reconcile with nothing to change makes zero write requests.
class RegistryReconciler {
 public:
  struct Caches {
    runtime::StorePtr registryConfigs;
    // Owned kinds by Kind name ("Deployment"); Secrets hold owned and user-referenced ones.
    std::map<std::string, runtime::StorePtr> owned;
  };

  RegistryReconciler(kube::ClientPtr client, PlatformOptions platform, Caches caches,
                     runtime::EventRecorder* events, runtime::ClockPtr clock);

  runtime::ReconcileResult reconcile(const runtime::ObjectKey& key);

 private:
  runtime::ReconcileResult reconcileManaged(const kube::Json& cr, const RegistryConfig& config);
  runtime::ReconcileResult reconcileRemoved(const kube::Json& cr, const RegistryConfig& config);
  runtime::ReconcileResult reportInvalidSpec(const kube::Json& cr, const std::string& message);
  kube::Result<void> applyChanged(const kube::Json& cr, const std::vector<kube::Json>& desired);
  kube::Result<void> deleteUnwanted(const kube::Json& cr, const RegistryConfig& config,
                                    const std::vector<kube::Json>& desired, bool removing);
  kube::Result<void> writeStatus(const kube::Json& cr, const StatusObservation& observation);
  std::vector<std::string> externalHostnames(const RegistryConfig& config) const;
  // The Deployment N owned by this CR, from the cache (null if none).
  runtime::Store::ObjectPtr liveDeployment(const RegistryConfig& config) const;
  runtime::StorePtr ownedStore(const std::string& kind) const;
  // True when `live` is exactly what our last apply of `wanted` left (same applied hash, same
  // resourceVersion): then nothing can differ, even where the server rewrote our values into
  // its canonical form (quantities), which a field comparison would take for drift.
  bool unchangedSinceApply(const kube::Json& wanted, const kube::Json& live) const;
  void rememberApply(const kube::Json& wanted, const kube::Json& applied);

  kube::ClientPtr client_;
  PlatformOptions platform_;
  Caches caches_;
  runtime::EventRecorder* events_;
  runtime::ClockPtr clock_;
  mutable std::mutex applied_mutex_;
  // "Kind/namespace/name" → (applied hash, resourceVersion the apply returned).
  std::map<std::string, std::pair<std::string, std::string>> applied_;
};

// Resource (group/version/plural) of an object the builders produce, by apiVersion and kind.
kube::Resource resourceFor(const std::string& api_version, const std::string& kind);

}  // namespace registry

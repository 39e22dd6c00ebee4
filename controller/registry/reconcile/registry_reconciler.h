#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kube/api.h"
#include "kube/cancel.h"
#include "kube/client.h"
#include "registry/api/registry_config.h"
#include "registry/render/platform.h"
#include "registry/render/registry_status.h"
#include "registry/render/tls_issuer.h"
#include "runtime/apply_drift.h"
#include "runtime/clock.h"
#include "runtime/controller.h"
#include "runtime/event_recorder.h"
#include "runtime/reconcile_result.h"

namespace registry {

// Turns one RegistryConfig into its objects (docs/design.md §4): computes the desired objects from
// the CR alone (pure builders), applies with server-side apply only those that differ from the
// cache, deletes owned objects no longer wanted, and writes status only when it changed. A
// reconcile with nothing to change makes zero write requests. It asks to run again after its
// resync period, or sooner when operator-issued TLS material is next due (tlsRequeueDelay).
//
// One broken input never freezes the whole CR: while a Secret the spec names is missing or its
// content unusable, the CR is Degraded, the objects that read that input (the configuration
// Secret, the Deployment, OpenShift Routes) keep their last good state, and every other object
// is still held as desired. An object with a wanted name that this CR does not control is never
// applied over (it would be rewritten, and garbage-collected with the CR): it is reported as an
// ObjectConflict and the Deployment is not rolled.
class RegistryReconciler {
 public:
  struct Caches {
    runtime::StorePtr registryConfigs;
    // Owned kinds by Kind name ("Deployment"), each holding only objects with the operator's
    // label: the user's Secrets a spec names are not there and are read by GET.
    std::map<std::string, runtime::StorePtr> owned;
  };

  RegistryReconciler(kube::ClientPtr client, PlatformOptions platform, Caches caches,
                     runtime::EventRecorder* events, runtime::ClockPtr clock,
                     TlsPolicy tls_policy = {});

  // Every API request of the reconcile carries `cancel` (runtime::Reconciler says when it fires).
  runtime::ReconcileResult reconcile(const runtime::ObjectKey& key,
                                     const kube::CancelToken& cancel);

  // How many objects' last applies it remembers (runtime::ApplyDrift): bounded by the objects
  // of the CRs that exist, since those of deleted objects and CRs are forgotten.
  std::size_t rememberedObjects() const { return drift_.size(); }

 private:
  runtime::ReconcileResult reconcileManaged(const kube::Json& cr, const RegistryConfig& config,
                                            const kube::CancelToken& cancel);
  runtime::ReconcileResult reconcileRemoved(const kube::Json& cr, const RegistryConfig& config,
                                            const kube::CancelToken& cancel);
  runtime::ReconcileResult reportInvalidSpec(const kube::Json& cr, const std::string& message,
                                             const kube::CancelToken& cancel);
  struct ApplyOutcome {
    // Objects left alone because someone else's object has their name (reason ObjectConflict).
    std::vector<Problem> conflicts;
    // The objects not applied ("Kind/name"): those held by the caller, and the Deployment after
    // a conflict.
    std::set<std::string> held;
    // What was written ("Kind name"), for the one Applied event the reconcile records.
    std::vector<std::string> changed;
    // The objects that did not exist before this apply ("Kind/name").
    std::set<std::string> created;
  };
  // Applies the desired objects that differ from the live ones, except those in `held`
  // ("Kind/name"), and never over an object this CR does not control (registry/render/labels.h
  // belongsTo): such an object is reported as a conflict, and the Deployment is then held too.
  kube::Result<ApplyOutcome> applyChanged(const kube::Json& cr, const RegistryConfig& config,
                                          const std::vector<kube::Json>& desired,
                                          std::set<std::string> held,
                                          const kube::CancelToken& cancel);
  kube::Result<void> deleteUnwanted(const kube::Json& cr, const RegistryConfig& config,
                                    const std::vector<kube::Json>& desired, bool removing,
                                    const kube::CancelToken& cancel);
  kube::Result<void> writeStatus(const kube::Json& cr, const StatusObservation& observation,
                                 const kube::CancelToken& cancel);
  // Removes the status.mirrors entries of mirrors no longer in the spec (job_status.h).
  kube::Result<void> clearStaleMirrorStatus(const kube::Json& cr, const RegistryConfig& config,
                                            const kube::CancelToken& cancel);
  // An Api for `resource` in `ns` whose requests carry `cancel`.
  kube::Api apiFor(const kube::Resource& resource, const std::string& ns,
                   const kube::CancelToken& cancel) const;
  std::vector<std::string> externalHostnames(const RegistryConfig& config) const;
  // The Deployment N owned by this CR, from the cache (null if none).
  // The CR's own object of `kind` named like the CR, from the cache (null if absent or not
  // controlled by the CR).
  runtime::Store::ObjectPtr liveOwned(const std::string& kind, const RegistryConfig& config) const;
  runtime::Store::ObjectPtr liveDeployment(const RegistryConfig& config) const;
  runtime::StorePtr ownedStore(const std::string& kind) const;

  kube::ClientPtr client_;
  PlatformOptions platform_;
  TlsPolicy tls_policy_;
  Caches caches_;
  runtime::EventRecorder* events_;
  runtime::ClockPtr clock_;
  runtime::ApplyDrift drift_;
};

// How long to wait before the next reconcile: `resync`, or less when operator-issued TLS must be
// looked at again at `tls_recheck_at` (then one second past it, so the threshold has surely
// passed, and never less than one second, so a moment already past cannot spin the loop).
runtime::Clock::Duration tlsRequeueDelay(
    std::chrono::system_clock::time_point now,
    std::optional<std::chrono::system_clock::time_point> tls_recheck_at,
    runtime::Clock::Duration resync);

}  // namespace registry

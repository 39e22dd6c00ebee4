#include "registry/reconcile/registry_reconciler.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "kube/api.h"
#include "registry/api/registry_resource.h"
#include "registry/reconcile/gather_inputs.h"
#include "registry/render/builders.h"
#include "registry/render/config_hash.h"
#include "registry/render/feature_support.h"
#include "registry/render/hostnames.h"
#include "registry/render/job_status.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"
#include "runtime/owner_reference.h"

namespace registry {

namespace {

// Resync period: also re-checks what no watch reports, such as certificates nearing expiry.
constexpr auto kResync = std::chrono::minutes(10);
// How soon a name conflict is looked at again: the other object is not watched.
constexpr auto kConflictRecheck = std::chrono::minutes(1);
// When the status of a just-created Deployment is left to the reconcile its first status wakes:
// the longest the CR goes without a status if that status never comes.
constexpr auto kFirstStatusFallback = std::chrono::seconds(10);

// "Kind/name": how held objects are named (one namespace per CR).
std::string keyOf(const kube::Json& object) {
  return object.value("kind", "") + "/" + kube::name(object);
}

// The config hash of the pods a Deployment runs ("" without one).
std::string configHashOf(const kube::Json* deployment) {
  return deployment
             ? kube::annotation(kube::at(*deployment, "/spec/template"), kConfigHashAnnotation)
             : std::string();
}

// The desired objects that read the user's inputs (bundle, htpasswd, serving certificate,
// storage credentials), which keep their last good state while an input is missing or broken:
// the configuration Secret, the Deployment (its pods mount and hash them) and OpenShift Routes
// (a reencrypt Route carries the CA of the user's certificate). Rolling pods onto a
// configuration without the user's input would be worse than keeping what runs.
std::set<std::string> objectsReadingInputs(const RegistryConfig& config,
                                           const std::vector<kube::Json>& desired) {
  // N-htpasswd too: it holds what is rendered from the users Secret, nothing while that is
  // refused, and the hashes it keeps must be those of the htpasswd the pods run with.
  std::set<std::string> held = {"Secret/" + configSecretName(config),
                                "Secret/" + htpasswdSecretName(config),
                                "Deployment/" + config.name};
  for (const auto& object : desired) {
    if (object.value("kind", "") == "Route") held.insert(keyOf(object));
  }
  return held;
}

std::string kindAndName(const kube::Json& object) {
  return object.value("kind", "") + " " + kube::name(object);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// A string field of outside data, or "" when absent or of another type (never throws).
std::string stringAt(const kube::Json& document, const std::string& pointer) {
  const kube::Json& value = kube::at(document, pointer);
  return value.is_string() ? value.get<std::string>() : std::string();
}

// The metadata of a CR that failed to parse, for status and events.
RegistryConfig identityOf(const kube::Json& cr) {
  RegistryConfig config;
  config.name = kube::name(cr);
  config.namespace_ = kube::namespaceOf(cr);
  config.uid = kube::uid(cr);
  config.generation = kube::generation(cr);
  return config;
}

}  // namespace

runtime::Clock::Duration tlsRequeueDelay(
    std::chrono::system_clock::time_point now,
    std::optional<std::chrono::system_clock::time_point> tls_recheck_at,
    runtime::Clock::Duration resync) {
  if (!tls_recheck_at) return resync;
  constexpr auto kSecond = std::chrono::seconds(1);
  if (*tls_recheck_at <= now) return std::min<runtime::Clock::Duration>(kSecond, resync);
  // Compare in whole seconds: far-off times (years) stay far from the duration type's limits.
  auto until = std::chrono::ceil<std::chrono::seconds>(*tls_recheck_at - now) + kSecond;
  auto resync_seconds = std::chrono::ceil<std::chrono::seconds>(resync);
  if (until >= resync_seconds) return resync;
  return std::chrono::duration_cast<runtime::Clock::Duration>(until);
}

RegistryReconciler::RegistryReconciler(kube::ClientPtr client, PlatformOptions platform,
                                       Caches caches, runtime::EventRecorder* events,
                                       runtime::ClockPtr clock, TlsPolicy tls_policy)
    : client_(std::move(client)),
      platform_(std::move(platform)),
      tls_policy_(tls_policy),
      caches_(std::move(caches)),
      events_(events),
      clock_(std::move(clock)),
      drift_(kAppliedHashAnnotation) {}

runtime::StorePtr RegistryReconciler::ownedStore(const std::string& kind) const {
  auto it = caches_.owned.find(kind);
  return it == caches_.owned.end() ? nullptr : it->second;
}

kube::Api RegistryReconciler::apiFor(const kube::Resource& resource, const std::string& ns,
                                     const kube::CancelToken& cancel) const {
  return kube::Api(client_, resource, ns).withCancel(cancel);
}

runtime::ReconcileResult RegistryReconciler::reconcile(const runtime::ObjectKey& key,
                                                       const kube::CancelToken& cancel) {
  auto cr = caches_.registryConfigs->get(key.ns, key.name);
  // Gone, or going: owned objects carry ownerReferences, so the garbage collector removes them.
  if (!cr || !kube::at(*cr, "/metadata/deletionTimestamp").is_null()) {
    if (!cr) drift_.forgetControlledBy(key.ns, key.name);
    return runtime::Action::awaitChange();
  }
  auto config = parseRegistryConfig(*cr);
  if (!config) return reportInvalidSpec(*cr, config.error().message(), cancel);
  switch (config->spec.managementState) {
    case ManagementState::Unmanaged:
      return runtime::Action::awaitChange();  // touch nothing, keep status
    case ManagementState::Removed:
      return reconcileRemoved(*cr, *config, cancel);
    case ManagementState::Managed:
      break;
  }
  return reconcileManaged(*cr, *config, cancel);
}

runtime::ReconcileResult RegistryReconciler::reportInvalidSpec(const kube::Json& cr,
                                                               const std::string& message,
                                                               const kube::CancelToken& cancel) {
  RegistryConfig identity = identityOf(cr);
  spdlog::warn("registryconfig {}/{}: invalid spec: {}", identity.namespace_, identity.name,
               message);
  if (events_) events_->warning(cr, "InvalidSpec", "Validate", message);
  StatusObservation observation;
  observation.generation = identity.generation;
  observation.problems = {{"InvalidSpec", message}};
  observation.specInvalid = true;
  auto deployment = liveDeployment(identity);
  observation.deployment = deployment.get();
  const kube::Json& previous = kube::at(cr, "/status");
  observation.internalHostname = stringAt(previous, "/internalHostname");
  for (const auto& host : kube::at(previous, "/externalHostnames", kube::Json::array())) {
    if (host.is_string()) observation.externalHostnames.push_back(host);
  }
  observation.configHash = stringAt(previous, "/configHash");
  const kube::Json& storage_managed = kube::at(previous, "/storageManaged");
  observation.storageManaged = storage_managed.is_boolean() && storage_managed.get<bool>();
  if (auto written = writeStatus(cr, observation, cancel); !written) return written.error();
  // Retrying cannot fix a spec; the next edit of the CR enqueues it again.
  return runtime::ReconcileError::terminal("invalid spec: " + message);
}

runtime::ReconcileResult RegistryReconciler::reconcileManaged(const kube::Json& cr,
                                                              const RegistryConfig& config,
                                                              const kube::CancelToken& cancel) {
  ObjectSource source(client_, ownedStore("Secret"), ownedStore("ConfigMap"), cancel);
  const auto now = clock_->wallNow();
  auto gathered = gatherInputs(config, source, platform_, tls_policy_, now);
  if (!gathered) return gathered.error();
  if (auto service = liveOwned("Service", config)) {
    gathered->inputs.serviceClusterIP = stringAt(*service, "/spec/clusterIP");
  }
  for (const auto& risky : riskySettings(config)) gathered->warnings.push_back(risky);
  for (const auto& warning : gathered->warnings) {
    spdlog::warn("registryconfig {}/{}: {}", config.namespace_, config.name, warning.message);
    if (events_) events_->warning(cr, warning.reason, "Reconcile", warning.message);
  }
  for (const auto& problem : gathered->problems) {
    spdlog::warn("registryconfig {}/{}: {}", config.namespace_, config.name, problem.message);
    if (events_) events_->warning(cr, problem.reason, "Reconcile", problem.message);
  }

  StatusObservation observation;
  observation.generation = config.generation;
  observation.internalHostname = internalHostname(config);
  observation.storageManaged = config.spec.storage.managedClaim();
  observation.problems = gathered->problems;
  // Only the jobs read these; nothing is held for them (gather_inputs.h).
  for (const auto& problem : gathered->jobProblems) {
    spdlog::warn("registryconfig {}/{}: {}", config.namespace_, config.name, problem.message);
    if (events_) events_->warning(cr, problem.reason, "Reconcile", problem.message);
    observation.problems.push_back(problem);
  }
  // Refused settings hold nothing: everything else the spec asks for is still applied.
  for (auto& refused : unsupportedFeatures(config)) {
    spdlog::warn("registryconfig {}/{}: {}", config.namespace_, config.name, refused.message);
    if (events_) events_->warning(cr, refused.reason, "Reconcile", refused.message);
    observation.problems.push_back(std::move(refused));
  }

  // Rendered from what could be gathered; objects that read a missing or broken input are held
  // below, everything else is kept as desired even while the CR is Degraded.
  auto desired = desiredObjects(config, gathered->inputs);
  if (!desired) return reportInvalidSpec(cr, desired.error().message(), cancel);
  std::set<std::string> held;
  if (!gathered->problems.empty()) held = objectsReadingInputs(config, *desired);

  auto applied = applyChanged(cr, config, *desired, held, cancel);
  if (!applied) {
    const kube::Error& error = applied.error();
    // Stopped midway: not a failure to report on the CR; the next run starts over.
    if (error.is(kube::ErrorKind::Cancelled)) return error;
    if (events_) events_->warning(cr, "ApplyFailed", "Apply", error.describe());
    // Refused as invalid (a value the API server rejects in the object we built from the
    // spec): retrying cannot help until the spec changes, so say so and stop.
    const bool invalid = error.is(kube::ErrorKind::Invalid);
    observation.problems.push_back({invalid ? "InvalidSpec" : "ApplyFailed", error.message()});
    observation.specInvalid = invalid;
    observation.externalHostnames = externalHostnames(config);
    auto deployment = liveDeployment(config);
    observation.deployment = deployment.get();
    observation.configHash = configHashOf(deployment.get());
    (void)writeStatus(cr, observation, cancel);  // best effort: the apply error is what matters
    if (invalid) return runtime::ReconcileError::terminal(error);
    return error;
  }
  for (const auto& conflict : applied->conflicts) {
    spdlog::warn("registryconfig {}: {}", kube::keyOf(cr), conflict.message);
    if (events_) events_->warning(cr, conflict.reason, "Apply", conflict.message);
    observation.problems.push_back(conflict);
  }
  if (auto deleted = deleteUnwanted(cr, config, *desired, false, cancel); !deleted)
    return deleted.error();
  // One Event per reconcile that wrote: a cold start over many registries records one each,
  // not one per kind of news. The TLS decision rides along, as its Secret is among the objects.
  std::string applied_news =
      applied->changed.empty() ? std::string() : "applied " + joined(applied->changed);
  if (gathered->tlsDecision && gathered->tlsDecision->action != TlsAction::Reuse) {
    // What was decided and why: certificates and times, never key material.
    const auto& decision = *gathered->tlsDecision;
    spdlog::info("registryconfig {}: TLS {}: {}", kube::keyOf(cr), toString(decision.action),
                 decision.reason);
    if (applied_news.empty()) {
      if (events_) {
        events_->normal(cr, "TlsIssued", std::string(toString(decision.action)), decision.reason);
      }
    } else {
      applied_news += "; TLS " + std::string(toString(decision.action)) + ": " + decision.reason;
    }
  }
  if (!applied_news.empty() && events_) events_->normal(cr, "Applied", "Apply", applied_news);
  if (config.spec.defaultRoute) {
    if (auto host = defaultRouteHost(config, platform_); !host) {
      observation.problems.push_back({"DefaultRouteNeedsDomain", host.error().message()});
    }
  }
  observation.externalHostnames = externalHostnames(config);
  auto deployment = liveDeployment(config);
  observation.deployment = deployment.get();
  // The configuration the pods run: the one just applied, or the last good one while held.
  const std::string deployment_key = "Deployment/" + config.name;
  for (const auto& object : *desired) {
    if (keyOf(object) == deployment_key) observation.configHash = configHashOf(&object);
  }
  if (applied->held.count(deployment_key)) observation.configHash = configHashOf(deployment.get());
  // A Deployment created just now has no status yet. The one the controller-manager writes in
  // a moment wakes this CR again (it owns the Deployment), and that reconcile reports; a status
  // written now would say "not observed yet" only to be replaced at once. On a cold start over
  // many registries that is one write per registry saved. Without problems to report only, and
  // the requeue below bounds the wait should that status never come.
  const bool status_follows =
      applied->created.count(deployment_key) && observation.problems.empty();
  if (!status_follows) {
    if (auto written = writeStatus(cr, observation, cancel); !written) return written.error();
  }
  if (auto cleared = clearStaleMirrorStatus(cr, config, cancel); !cleared) return cleared.error();
  auto delay = tlsRequeueDelay(now, gathered->tlsRecheckAt, kResync);
  if (status_follows) {
    delay = std::min<runtime::Clock::Duration>(delay, kFirstStatusFallback);
  }
  // No watch sees the other party's object go (it does not carry our labels): look again soon.
  if (!applied->conflicts.empty())
    delay = std::min<runtime::Clock::Duration>(delay, kConflictRecheck);
  // Renewal and rotation happen on time without any other event.
  return runtime::Action::requeueAfter(delay);
}

runtime::ReconcileResult RegistryReconciler::reconcileRemoved(const kube::Json& cr,
                                                              const RegistryConfig& config,
                                                              const kube::CancelToken& cancel) {
  if (auto deleted = deleteUnwanted(cr, config, {}, true, cancel); !deleted) return deleted.error();
  StatusObservation observation;
  observation.generation = config.generation;
  observation.managementState = ManagementState::Removed;
  if (auto written = writeStatus(cr, observation, cancel); !written) return written.error();
  return runtime::Action::awaitChange();
}

kube::Result<RegistryReconciler::ApplyOutcome> RegistryReconciler::applyChanged(
    const kube::Json& cr, const RegistryConfig& config, const std::vector<kube::Json>& desired,
    std::set<std::string> held, const kube::CancelToken& cancel) {
  // First look at what is there, then write: an object of someone else's that has a name we
  // want must stop the rollout before the pods start, whatever its place in the list.
  ApplyOutcome outcome;
  std::vector<std::pair<kube::Json, runtime::Store::ObjectPtr>> writable;
  for (const auto& object : desired) {
    const std::string kind = object.value("kind", "");
    if (held.count(keyOf(object))) continue;
    auto resource = kube::resources::forKind(object.value("apiVersion", ""), kind);
    if (!resource) return kube::Error(kube::ErrorKind::Other, "no resource known for kind " + kind);
    auto store = ownedStore(kind);
    runtime::Store::ObjectPtr live =
        store ? store->get(kube::namespaceOf(object), kube::name(object)) : nullptr;
    if (!live) {
      // The caches hold only objects with the operator's label; one without it may still exist.
      auto found = kube::ignoreNotFound(
          apiFor(*resource, kube::namespaceOf(object), cancel).get(kube::name(object)));
      if (!found) return found.error().withContext("reading " + kindAndName(object));
      if (*found) live = std::make_shared<const kube::Json>(std::move(**found));
    }
    if (live && !belongsTo(*live, config)) {
      outcome.conflicts.push_back(
          {"ObjectConflict", kindAndName(object) + " already exists in namespace " +
                                 config.namespace_ +
                                 " and is not controlled by this RegistryConfig; it was left "
                                 "alone: delete or rename it, or rename the RegistryConfig"});
      continue;
    }
    writable.emplace_back(object, std::move(live));
  }
  // The pods would run against someone else's Secret or Service: do not roll them.
  if (!outcome.conflicts.empty()) held.insert("Deployment/" + config.name);
  outcome.held = held;

  std::vector<std::string>& changed = outcome.changed;
  for (const auto& [object, live] : writable) {
    if (held.count(keyOf(object))) continue;
    kube::Json wanted = drift_.stamp(object);
    if (!drift_.needsApply(wanted, live.get())) continue;
    const std::string kind = wanted.value("kind", "");
    auto resource = kube::resources::forKind(wanted.value("apiVersion", ""), kind);
    kube::Api api = apiFor(*resource, kube::namespaceOf(wanted), cancel);
    auto applied = api.apply(wanted);
    if (!applied && applied.error().is(kube::ErrorKind::Invalid) && live) {
      // A hand edit changed the key of a list that server-side apply merges by key (a Service
      // port): applying adds our entry beside the edited one, which the API refuses as a
      // duplicate. A JSON merge patch replaces such lists whole; then apply again to own them.
      if (api.mergePatch(kube::name(wanted), wanted)) applied = api.apply(wanted);
    }
    if (!applied) return applied.error().withContext("applying " + kindAndName(wanted));
    drift_.remember(wanted, *applied);
    changed.push_back(kindAndName(wanted));
    if (!live) outcome.created.insert(keyOf(wanted));
  }
  if (!changed.empty()) {
    spdlog::info("registryconfig {}: applied {}", kube::keyOf(cr), joined(changed));
  }
  return outcome;
}

kube::Result<void> RegistryReconciler::deleteUnwanted(const kube::Json& cr,
                                                      const RegistryConfig& config,
                                                      const std::vector<kube::Json>& desired,
                                                      bool removing,
                                                      const kube::CancelToken& cancel) {
  std::set<std::string> wanted;
  for (const auto& object : desired)
    wanted.insert(object.value("kind", "") + "/" + kube::name(object));
  std::vector<std::string> deleted;
  for (const auto& [kind, store] : caches_.owned) {
    // Registry data outlives a change of storage type, and outlives Removed unless asked.
    if (kind == "PersistentVolumeClaim" && !(removing && config.spec.storage.deleteOnRemove))
      continue;
    for (const auto& object : store->listControlledBy(config.uid)) {
      if (wanted.count(kind + "/" + kube::name(*object))) continue;
      // Already going (a claim held by its protection finalizer): deleting again says nothing new.
      if (!kube::at(*object, "/metadata/deletionTimestamp").is_null()) continue;
      auto resource = kube::resources::forKind(object->value("apiVersion", ""), kind);
      if (!resource) continue;
      kube::DeleteParams params;
      params.propagation = kube::Propagation::Background;
      params.precondition_uid = kube::uid(*object);
      auto removed = kube::ignoreNotFound(apiFor(*resource, kube::namespaceOf(*object), cancel)
                                              .remove(kube::name(*object), params));
      if (!removed) return removed.error().withContext("deleting " + kindAndName(*object));
      if (*removed) deleted.push_back(kindAndName(*object));  // else someone was quicker
      drift_.forget(*object);
    }
  }
  if (removing && config.spec.storage.deleteOnRemove && config.spec.storage.managedClaim()) {
    // The operator's claim carries an ownerReference only once deleteOnRemove was set, so a
    // CR that set it together with Removed is matched by name and labels instead.
    if (auto store = ownedStore("PersistentVolumeClaim")) {
      auto claim = store->get(config.namespace_, storageClaimName(config));
      const bool deleted_above =
          claim && std::find(deleted.begin(), deleted.end(), kindAndName(*claim)) != deleted.end();
      if (claim && !deleted_above &&
          kube::label(*claim, "app.kubernetes.io/instance") == config.name &&
          kube::at(*claim, "/metadata/deletionTimestamp").is_null()) {
        auto removed = kube::ignoreNotFound(
            apiFor(kube::resources::persistentVolumeClaims(), config.namespace_, cancel)
                .remove(kube::name(*claim)));
        if (!removed) return removed.error();
        if (*removed) deleted.push_back(kindAndName(*claim));
      }
    }
  }
  if (!deleted.empty()) {
    spdlog::info("registryconfig {}: deleted {}", kube::keyOf(cr), joined(deleted));
    if (events_) events_->normal(cr, "Deleted", "Delete", "deleted " + joined(deleted));
  }
  return {};
}

std::vector<std::string> RegistryReconciler::externalHostnames(const RegistryConfig& config) const {
  std::vector<std::string> hosts;
  auto add = [&](const kube::Json& host) {
    if (host.is_string() && !host.get<std::string>().empty() &&
        std::find(hosts.begin(), hosts.end(), host.get<std::string>()) == hosts.end()) {
      hosts.push_back(host);
    }
  };
  // Only hosts of objects that exist, in the order the routes are declared.
  std::vector<std::string> names;
  if (config.spec.defaultRoute) names.push_back(defaultRouteName(config));
  for (const auto& route : config.spec.routes) names.push_back(routeObjectName(config, route));
  const bool openshift = platform_.platform == Platform::OpenShift;
  auto store = ownedStore(openshift ? "Route" : "Ingress");
  if (!store) return hosts;
  for (const auto& name : names) {
    auto object = store->get(config.namespace_, name);
    if (!object) continue;
    if (openshift) {
      for (const auto& ingress : kube::at(*object, "/status/ingress", kube::Json::array())) {
        add(kube::at(ingress, "/host"));
      }
      add(kube::at(*object, "/spec/host"));
    } else {
      for (const auto& rule : kube::at(*object, "/spec/rules", kube::Json::array())) {
        add(kube::at(rule, "/host"));
      }
    }
  }
  return hosts;
}

runtime::Store::ObjectPtr RegistryReconciler::liveOwned(const std::string& kind,
                                                        const RegistryConfig& config) const {
  auto store = ownedStore(kind);
  auto object = store ? store->get(config.namespace_, config.name) : nullptr;
  // Only our own object counts, not one of the same name that someone else made.
  if (object && !config.uid.empty()) {
    auto owner = runtime::controllerOf(*object);
    if (!owner || owner->uid != config.uid) return nullptr;
  }
  return object;
}

runtime::Store::ObjectPtr RegistryReconciler::liveDeployment(const RegistryConfig& config) const {
  return liveOwned("Deployment", config);
}

kube::Result<void> RegistryReconciler::writeStatus(const kube::Json& cr,
                                                   const StatusObservation& observation,
                                                   const kube::CancelToken& cancel) {
  const kube::Json& previous = kube::at(cr, "/status");
  kube::Json next = computeStatus(previous, observation, clock_->wallNow());
  if (!statusChanged(previous, next)) return {};
  kube::Json patch = {
      {"apiVersion", kGroupVersion},
      {"kind", kKind},
      {"metadata", {{"name", kube::name(cr)}, {"namespace", kube::namespaceOf(cr)}}},
      {"status", next}};
  // Gone meanwhile (NotFound): nothing to report on.
  auto written = kube::ignoreNotFound(
      apiFor(registryConfigResource(), kube::namespaceOf(cr), cancel).applyStatus(patch));
  if (!written) return written.error();
  return {};
}

kube::Result<void> RegistryReconciler::clearStaleMirrorStatus(const kube::Json& cr,
                                                              const RegistryConfig& config,
                                                              const kube::CancelToken& cancel) {
  for (const std::string& mirror : staleMirrorEntries(kube::at(cr, "/status"), config)) {
    // Each entry is owned by its mirror job's field manager alone; an apply of nothing as that
    // manager makes server-side apply remove what it owned, that is the entry, and touches no
    // other field. Only done while such an entry exists, so a steady state writes nothing.
    kube::Json body = statusApplyBody(config.namespace_, config.name, nullptr);
    body.erase("status");
    kube::ApplyParams params;
    params.field_manager = mirrorFieldManager(mirror);
    auto cleared = kube::ignoreNotFound(
        apiFor(registryConfigResource(), config.namespace_, cancel).applyStatus(body, params));
    if (!cleared) return cleared.error().withContext("removing status.mirrors entry " + mirror);
    spdlog::info("registryconfig {}: removed the status of mirror {}, no longer in the spec",
                 kube::keyOf(cr), mirror);
  }
  return {};
}

}  // namespace registry

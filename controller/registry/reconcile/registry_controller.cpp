#include "registry/reconcile/registry_controller.h"

#include <algorithm>

#include "kube/api.h"
#include "registry/api/registry_resource.h"
#include "registry/reconcile/registry_reconciler.h"
#include "registry/render/builders.h"
#include "registry/render/labels.h"
#include "runtime/owner_reference.h"

namespace registry {

namespace {

bool names(const kube::Json& cr, const char* pointer, const std::string& secret) {
  const kube::Json& value = kube::at(cr, pointer);
  return value.is_string() && value.get<std::string>() == secret;
}

// What the cache of unowned Secrets keeps of each: its identity, never labels, annotations
// (kubectl's last-applied-configuration holds a Secret's data) or managedFields.
void keepIdentityOnly(kube::Object& object) {
  kube::Json metadata = kube::Json::object();
  for (const char* field : {"name", "namespace", "uid", "resourceVersion"}) {
    const kube::Json& value = kube::at(object, std::string("/metadata/") + field);
    if (!value.is_null()) metadata[field] = value;
  }
  object = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", std::move(metadata)}};
}

// Whether a spec.mirrors[] entry names Secret `name` (pullSecret or caSecret).
bool namedByMirror(const kube::Json& cr, const std::string& name) {
  const kube::Json& mirrors = kube::at(cr, "/spec/mirrors");
  if (!mirrors.is_array()) return false;
  return std::any_of(mirrors.begin(), mirrors.end(), [&](const kube::Json& mirror) {
    return names(mirror, "/pullSecret", name) || names(mirror, "/caSecret", name);
  });
}

}  // namespace

std::vector<runtime::ObjectKey> registryConfigsReferencing(
    const kube::Json& secret,
    const std::vector<std::shared_ptr<const kube::Json>>& registry_configs) {
  std::vector<runtime::ObjectKey> keys;
  const std::string ns = kube::namespaceOf(secret);
  const std::string name = kube::name(secret);
  for (const auto& cr : registry_configs) {
    if (kube::namespaceOf(*cr) != ns) continue;
    if (names(*cr, "/spec/configBundleSecret", name) ||
        names(*cr, "/spec/auth/htpasswdSecret", name) ||
        names(*cr, "/spec/auth/usersSecret", name) || names(*cr, "/spec/tls/secretName", name) ||
        names(*cr, "/spec/storage/s3/credentialsSecret", name) || namedByMirror(*cr, name) ||
        // N-tls: on OpenShift service-ca writes it without an ownerReference, and its content
        // is part of the config hash, so a renewal must reach the CR at once.
        name == kube::name(*cr) + "-tls") {
      keys.push_back({ns, kube::name(*cr)});
    }
  }
  return keys;
}

void addRegistryControllers(runtime::Manager& manager, const RegistryControllerOptions& options) {
  std::vector<std::string> namespaces = options.namespaces;
  if (namespaces.empty()) namespaces.push_back("");  // all namespaces
  const auto& client = manager.client();
  for (const auto& ns : namespaces) {
    auto controller_options = manager.controllerOptions(
        ns.empty() ? "registryconfig" : "registryconfig-" + ns, options.workers);
    auto controller = std::make_shared<runtime::Controller>(
        kube::Api(client, registryConfigResource(), ns), controller_options);
    runtime::WatcherConfig owned_only;
    owned_only.label_selector = allOwnedObjectsSelector();
    // 12 and more objects per registry, read once per reconcile: packed, they cost about a
    // fifth of their parsed size, which is most of the operator's memory at 1,000 registries.
    owned_only.packed_cache = true;
    for (const auto& owned : ownedResources(options.platform.platform)) {
      controller->owns(kube::Api(client, owned, ns), owned_only);
    }
    // The Secrets a spec names (bundle, htpasswd or users, certificate, storage credentials) are
    // the user's and carry no label of ours. Watching every Secret in full would copy every secret
    // of the cluster into this process; their metadata is enough to notice a change, and the
    // reconciler reads the named ones by GET.
    std::weak_ptr<runtime::Controller> weak = controller;
    runtime::WatcherConfig not_owned;
    not_owned.label_selector = notOwnedObjectsSelector();
    not_owned.transform = keepIdentityOnly;
    controller->watches(
        kube::Api(client, kube::resources::secrets(), ns).metadataOnly(),
        [weak](const kube::Json& secret) {
          auto self = weak.lock();
          if (!self) return std::vector<runtime::ObjectKey>{};
          return registryConfigsReferencing(secret, self->store()->list());
        },
        not_owned);
    RegistryReconciler::Caches caches;
    caches.registryConfigs = controller->store();
    for (const auto& owned : ownedResources(options.platform.platform)) {
      caches.owned[owned.kind] = controller->store(owned);
    }
    auto reconciler = std::make_shared<RegistryReconciler>(
        client, options.platform, caches, &manager.events(), manager.clock(), options.tls);
    manager.add(controller,
                [reconciler](const runtime::ObjectKey& key, const kube::CancelToken& cancel) {
                  return reconciler->reconcile(key, cancel);
                });
  }
}

}  // namespace registry

#include "registry/reconcile/registry_controller.h"

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
        names(*cr, "/spec/auth/htpasswdSecret", name) || names(*cr, "/spec/tls/secretName", name) ||
        names(*cr, "/spec/storage/s3/credentialsSecret", name) ||
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
    for (const auto& owned : ownedResources(options.platform.platform)) {
      if (owned.kind == "Secret") continue;  // below: one Secret cache serves both purposes
      controller->owns(kube::Api(client, owned, ns), owned_only);
    }
    std::weak_ptr<runtime::Controller> weak = controller;
    controller->watches(
        kube::Api(client, kube::resources::secrets(), ns), [weak](const kube::Json& secret) {
          auto self = weak.lock();
          if (!self) return std::vector<runtime::ObjectKey>{};
          auto keys = registryConfigsReferencing(secret, self->store()->list());
          auto owner = runtime::controllerOf(secret);
          if (owner && owner->kind == kKind && owner->api_version == kGroupVersion) {
            keys.push_back({kube::namespaceOf(secret), owner->name});
          }
          return keys;
        });
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

#include "registry/registry_controller.h"

#include "kube/api.h"
#include "registry/builders.h"
#include "registry/labels.h"
#include "registry/registry_reconciler.h"
#include "registry/registry_resource.h"

namespace registry {

namespace {

bool names(const kube::Json& cr, const char* pointer, const std::string& secret) {
  const kube::Json& value = kube::at(cr, pointer);
  return value.is_string() && value.get<std::string>() == secret;
}

kube::Resource resourceOf(const OwnedKind& owned) {
  return resourceFor(owned.apiVersion, owned.kind);
}

}  // namespace

std::vector<std::string> registryConfigsReferencing(
    const kube::Json& secret,
    const std::vector<std::shared_ptr<const kube::Json>>& registry_configs) {
  std::vector<std::string> keys;
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
      keys.push_back(kube::keyOf(*cr));
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
    owned_only.label_selector = "app.kubernetes.io/managed-by=" + std::string(kManagedBy);
    for (const auto& owned : ownedKinds(options.platform.platform)) {
      if (owned.kind == "Secret") continue;  // below: one Secret cache serves both purposes
      controller->owns(kube::Api(client, resourceOf(owned), ns), owned_only);
    }
    std::weak_ptr<runtime::Controller> weak = controller;
    controller->watches(
        kube::Api(client, kube::resources::secrets(), ns), [weak](const kube::Json& secret) {
          std::vector<runtime::ObjectKey> keys;
          auto self = weak.lock();
          if (!self) return keys;
          for (const auto& ref :
               kube::at(secret, "/metadata/ownerReferences", kube::Json::array())) {
            if (ref.value("controller", false) && ref.value("kind", "") == kKind &&
                ref.value("apiVersion", "") == kGroupVersion) {
              keys.push_back({kube::namespaceOf(secret), ref.value("name", "")});
            }
          }
          for (const auto& key : registryConfigsReferencing(secret, self->store()->list())) {
            keys.push_back(runtime::ObjectKey::parse(key));
          }
          return keys;
        });
    RegistryReconciler::Caches caches;
    caches.registryConfigs = controller->store();
    for (const auto& owned : ownedKinds(options.platform.platform)) {
      caches.owned[owned.kind] = controller->store(resourceOf(owned));
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

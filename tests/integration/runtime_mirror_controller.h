#pragma once

// A test-only controller on the runtime: every ConfigMap labelled mirror=yes gets a Secret of
// the same name holding the same data (base64), owned by the ConfigMap. Small, but it uses
// everything a real controller does: a primary kind with a label selector, an owned kind,
// reads from the caches, writes by server-side apply only when something differs, deletes
// what is no longer wanted.

#include <atomic>
#include <memory>
#include <string>

#include "kube/api.h"
#include "kube/base64.h"
#include "runtime/controller.h"
#include "runtime/owner_reference.h"

namespace runtime_test {

class MirrorController {
 public:
  MirrorController(kube::ClientPtr client, const std::string& ns,
                   runtime::ControllerOptions options)
      : secrets_(client, kube::resources::secrets(), ns) {
    options.primary_watch.label_selector = "mirror=yes";
    controller_ = std::make_shared<runtime::Controller>(
        kube::Api(client, kube::resources::configMaps(), ns), options);
    runtime::WatcherConfig owned;
    owned.label_selector = "mirrored=yes";
    controller_->owns(secrets_, owned);
  }

  const std::shared_ptr<runtime::Controller>& controller() const { return controller_; }
  runtime::Reconciler reconciler() {
    return [this](const runtime::ObjectKey& key, const kube::CancelToken& cancel) {
      return reconcile(key, cancel);
    };
  }
  int reconciles() const { return reconciles_.load(); }
  int writes() const { return writes_.load(); }

  runtime::ReconcileResult reconcile(const runtime::ObjectKey& key,
                                     const kube::CancelToken& cancel) {
    ++reconciles_;
    const auto secrets = secrets_.withCancel(cancel);
    auto config_map = controller_->store()->get(key.str());
    auto secret = controller_->store(kube::resources::secrets())->get(key.str());
    if (!config_map) {
      if (!secret) return runtime::Action::awaitChange();
      ++writes_;
      auto removed = kube::ignoreNotFound(secrets.remove(key.name));
      if (!removed) return removed.error();
      return runtime::Action::awaitChange();
    }
    const auto desired = desiredSecret(*config_map);
    if (secret && kube::at(*secret, "/data", kube::Json::object()) == desired["data"] &&
        runtime::controllerOf(*secret) &&
        runtime::controllerOf(*secret)->uid == kube::uid(*config_map)) {
      return runtime::Action::awaitChange();  // steady state: no write
    }
    ++writes_;
    kube::ApplyParams params;
    params.field_manager = "mirror-test";
    auto applied = secrets.apply(desired, params);
    if (!applied) return applied.error();
    return runtime::Action::awaitChange();
  }

  static kube::Object desiredSecret(const kube::Object& config_map) {
    kube::Json data = kube::Json::object();
    const auto& source = kube::at(config_map, "/data", kube::Json::object());
    if (source.is_object()) {
      for (const auto& [k, v] : source.items()) {
        if (v.is_string()) data[k] = kube::base64Encode(v.get<std::string>());
      }
    }
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata",
             {{"name", kube::name(config_map)},
              {"namespace", kube::namespaceOf(config_map)},
              {"labels", {{"mirrored", "yes"}}},
              {"ownerReferences", kube::Json::array({runtime::controllerReference(config_map)})}}},
            {"type", "Opaque"},
            {"data", data}};
  }

 private:
  kube::Api secrets_;
  std::shared_ptr<runtime::Controller> controller_;
  std::atomic<int> reconciles_{0};
  std::atomic<int> writes_{0};
};

}  // namespace runtime_test

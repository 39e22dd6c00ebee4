#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace registry {

// Which flavour of cluster the operator runs on. Decided once at start-up by discovery (Route API
// present or not) or by --platform; builders only branch on it, they never probe the cluster.
enum class Platform { Kubernetes, OpenShift };

// Image used when neither spec.image nor --registry-image says otherwise.
inline constexpr const char* kDefaultRegistryImage = "docker.io/library/registry:2";
// Image that runs `registry-operator prune` in the pruner CronJob.
inline constexpr const char* kDefaultOperatorImage = "registry-operator:latest";

// Operator-wide settings the builders need besides the CR: they come from flags, not from the
// CR, because they describe the cluster rather than one registry.
struct PlatformOptions {
  Platform platform = Platform::Kubernetes;
  // --ingress-domain: default-route hosts on Kubernetes are `N-default-route-S.<domain>`.
  std::string ingressDomain;
  // --ingress-class: spec.ingressClassName of every Ingress; empty leaves the cluster default.
  std::string ingressClass;
  // --registry-image / RELATED_IMAGE_REGISTRY.
  std::string registryImage = kDefaultRegistryImage;
  // The operator's own image, used by Jobs that run operator subcommands (prune).
  std::string operatorImage = kDefaultOperatorImage;
  // The upstream registry:2 image runs as root, which the restricted runAsNonRoot check refuses
  // on clusters that do not assign a UID (OpenShift does). Set this there (e.g. 1000); it also
  // becomes fsGroup so the storage volume is writable. Unset means "let the platform choose".
  std::optional<std::int64_t> runAsUser;
};

}  // namespace registry

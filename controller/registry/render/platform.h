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
// Image of this operator, run by the pruner, mirror and node-ca pods, when neither
// --operator-image nor RELATED_IMAGE_OPERATOR says otherwise: the name the image gets when it is
// built (README, Install), the same as in manifests/ and the Helm chart, as none is published.
inline constexpr const char* kDefaultOperatorImage = "localhost/registry-operator:dev";

// The numeric identity of the pods the operator runs (registry, pruner). The upstream
// registry:2 image declares no user, so the restricted Pod Security Standard's runAsNonRoot
// refuses it unless the pod names a UID, which OpenShift's restricted SCC assigns and plain
// Kubernetes does not.
struct RunAs {
  enum class Source {
    Default,   // no flag: kDefaultRunAsUser on Kubernetes, nothing on OpenShift
    Platform,  // --run-as-user=auto|platform: set nothing, the platform chooses
    Explicit,  // --run-as-user=UID [--run-as-group=GID]
  };
  Source source = Source::Default;
  std::int64_t user = 0;              // Explicit only
  std::optional<std::int64_t> group;  // Explicit only; unset: the same as user
};

// UID, GID and fsGroup of the operator's pods on plain Kubernetes when no flag says otherwise.
inline constexpr std::int64_t kDefaultRunAsUser = 1001;

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
  // --run-as-user / --run-as-group: who the operator's pods run as. podIdentity()
  // (security_context.h) turns this and `platform` into the numbers, defaults included.
  RunAs runAs;
};

}  // namespace registry

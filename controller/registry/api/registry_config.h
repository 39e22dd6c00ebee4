#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kube/object.h"
#include "kube/result.h"

namespace registry {

// Typed view of a RegistryConfig (docs/design.md §2), with every default applied. Kubernetes-typed
// pass-through fields (resources, affinity, ...) stay JSON: the operator copies them into the pod
// template unchanged and the API server validates them there.

enum class ManagementState { Managed, Unmanaged, Removed };
enum class LogLevel { Normal, Debug, Trace, TraceAll };
enum class RolloutStrategy { RollingUpdate, Recreate };
enum class TlsMode { Auto, Secret, Disabled };
enum class AuthType { None, Htpasswd, Kubernetes };
enum class ComponentKind {
  Pruner,
  NodeCA,
  NodeResolver,
  Monitoring,
  PodDisruptionBudget,
  Autoscaling,
  Mirror
};

struct ProxySpec {
  std::string http;
  std::string https;
  std::string noProxy;
};

struct EmptyDirStorage {};

struct PvcStorage {
  std::string claim;  // empty: the operator creates and owns claim `N-storage`
  std::string size = "10Gi";
  std::optional<std::string> storageClassName;  // absent: cluster default; "": no class
  std::vector<std::string> accessModes = {"ReadWriteOnce"};

  bool shared() const;  // ReadWriteMany: several pods on several nodes may mount it
};

struct S3Storage {
  std::string bucket;
  std::string region;
  std::string regionEndpoint;
  std::string credentialsSecret;  // keys REGISTRY_STORAGE_S3_ACCESSKEY / _SECRETKEY
  bool encrypt = false;
  bool virtualHostedStyle = false;
};

struct StorageSpec {
  std::variant<EmptyDirStorage, PvcStorage, S3Storage> backend;
  bool deleteOnRemove = false;

  const EmptyDirStorage* emptyDir() const { return std::get_if<EmptyDirStorage>(&backend); }
  const PvcStorage* pvc() const { return std::get_if<PvcStorage>(&backend); }
  const S3Storage* s3() const { return std::get_if<S3Storage>(&backend); }
  // Storage that several replicas can use at once (s3, or a ReadWriteMany claim).
  bool shared() const;
  // The operator owns the claim (pvc without an explicit claim name).
  bool managedClaim() const;
};

struct RouteSpec {
  std::string name;
  std::string hostname;    // empty: the router assigns one (OpenShift) / any host (Ingress)
  std::string secretName;  // TLS certificate for the route's host
};

struct TlsSpec {
  TlsMode mode = TlsMode::Auto;
  std::string secretName;  // mode Secret: a kubernetes.io/tls Secret of the user

  // The registry serves HTTPS (modes Auto and Secret).
  bool enabled() const { return mode != TlsMode::Disabled; }
};

// Type Htpasswd takes its users from one of two Secrets of the user's, or, with neither, from a
// first admin the operator generates (Secret N-admin, render/initial_admin.h).
struct AuthSpec {
  AuthType type = AuthType::None;
  std::string htpasswdSecret;  // Secret with key `htpasswd`: bcrypt entries, used as they are
  std::string usersSecret;     // Secret of user name → password; the operator hashes them
  std::string initialAdmin = "admin";  // the generated admin's user name (neither Secret)
  // Type Kubernetes: anyone may pull without credentials (the token service grants pull to
  // anonymous requests); push and delete still need a token with the rights.
  bool anonymousPull = false;

  // Htpasswd with neither Secret: the operator generates the first admin.
  bool generatesAdmin() const {
    return type == AuthType::Htpasswd && htpasswdSecret.empty() && usersSecret.empty();
  }
};

struct PruningSpec {
  std::string schedule = "0 0 * * *";
  bool suspend = false;
  std::int64_t keepTagRevisions = 3;
  std::string keepYoungerThan = "60m";
  std::int64_t successfulJobsHistoryLimit = 3;
  std::int64_t failedJobsHistoryLimit = 3;
  bool garbageCollect = false;  // refused while true: see feature_support.h
};

struct AutoscalingSpec {
  std::int32_t minReplicas = 1;
  std::int32_t maxReplicas = 3;
  std::int32_t targetCPUUtilizationPercentage = 75;
};

struct MirrorSpec {
  std::string name;
  std::string source;  // e.g. docker.io/library/busybox
  std::vector<std::string> tags;
  std::string interval = "15m";
  std::string pullSecret;  // kubernetes.io/dockerconfigjson Secret for the source
  std::string target;      // empty: the source's path (api/mirror_target.h)
  std::string caSecret;    // Secret with key ca.crt: the CA the source's certificate chains to
  bool insecure = false;   // the source speaks plain HTTP (reported in status)
};

struct RegistryConfigSpec {
  ManagementState managementState = ManagementState::Managed;
  std::string image;  // empty: the operator's default registry image
  std::int32_t replicas = 1;
  AutoscalingSpec autoscaling;  // used while the autoscaling component is managed
  LogLevel logLevel = LogLevel::Normal;
  kube::Json resources;  // core/v1 ResourceRequirements or null
  std::map<std::string, std::string> nodeSelector;
  kube::Json tolerations;                // array or null
  kube::Json affinity;                   // object or null
  kube::Json topologySpreadConstraints;  // array or null
  RolloutStrategy rolloutStrategy = RolloutStrategy::RollingUpdate;
  ProxySpec proxy;
  bool readOnly = false;
  bool disableRedirect = false;
  std::string httpSecret;  // empty: generated once by the operator
  StorageSpec storage;
  bool defaultRoute = false;
  std::vector<RouteSpec> routes;
  TlsSpec tls;
  AuthSpec auth;
  std::string configBundleSecret;
  PruningSpec pruning;
  std::vector<MirrorSpec> mirrors;
  // Explicit component switches; kinds not listed take componentManagedByDefault().
  std::map<ComponentKind, bool> components;

  bool managed(ComponentKind kind) const;
};

struct RegistryConfig {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::int64_t generation = 0;
  RegistryConfigSpec spec;
};

// Whether a component is managed when spec.components does not mention it. Autoscaling and
// monitoring need cluster add-ons (metrics-server, prometheus-operator), and nodeCA and
// nodeResolver write to every node from a privileged namespace: all four are opt-in.
bool componentManagedByDefault(ComponentKind kind);

// Spelling used in the CRD for each enum value ("Managed", "RollingUpdate", "podDisruptionBudget").
std::string_view toString(ManagementState value);
std::string_view toString(LogLevel value);
std::string_view toString(RolloutStrategy value);
std::string_view toString(TlsMode value);
std::string_view toString(AuthType value);
std::string_view toString(ComponentKind value);

// Reads a RegistryConfig object (as stored by the API server, or as written by hand for
// `render -f`), applies the defaults of docs/design.md §2 and validates everything, including what
// the CRD schema already checks (the schema may be older than the operator, or bypassed). All
// problems are reported at once in one Error of kind Invalid whose message names each field:
// "spec.storage: exactly one of emptyDir, pvc, s3 must be set; spec.replicas: must be >= 0".
// Never throws, whatever the input.
kube::Result<RegistryConfig> parseRegistryConfig(const kube::Json& cr);

}  // namespace registry

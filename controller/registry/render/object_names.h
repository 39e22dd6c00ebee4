#pragma once

#include <string>

#include "registry/api/registry_config.h"

namespace registry {

// Names of the objects created for a RegistryConfig N, and the keys inside its Secrets. The
// reconciler uses the same functions to find what it created, so they live in one place.

inline std::string privateSecretName(const RegistryConfig& c) { return c.name + "-private"; }
inline std::string configSecretName(const RegistryConfig& c) { return c.name + "-config"; }
inline std::string tlsSecretName(const RegistryConfig& c) { return c.name + "-tls"; }
inline std::string caConfigMapName(const RegistryConfig& c) { return c.name + "-ca"; }
// The operator's CA and its key (tls mode Auto on Kubernetes; tls_issuer.h).
inline std::string caKeySecretName(const RegistryConfig& c) { return c.name + "-ca-key"; }
// The generated first admin (auth Htpasswd without htpasswdSecret or usersSecret).
inline std::string adminSecretName(const RegistryConfig& c) { return c.name + "-admin"; }
// The htpasswd rendered from spec.auth.usersSecret, kept so that unchanged users keep their hash.
inline std::string htpasswdSecretName(const RegistryConfig& c) { return c.name + "-htpasswd"; }
// The jobs' own user of a registry with auth Htpasswd (mounted into the pruner's and mirrors'
// pods).
inline std::string jobsCredentialsName(const RegistryConfig& c) {
  return c.name + "-jobs-credentials";
}
// The key that signs the token service's tokens and its certificate (auth type Kubernetes).
inline std::string tokenSigningSecretName(const RegistryConfig& c) {
  return c.name + "-token-signing";
}
inline std::string storageClaimName(const RegistryConfig& c) {
  return c.spec.storage.pvc() != nullptr && !c.spec.storage.pvc()->claim.empty()
             ? c.spec.storage.pvc()->claim
             : c.name + "-storage";
}
inline std::string defaultRouteName(const RegistryConfig& c) { return c.name + "-default-route"; }
inline std::string routeObjectName(const RegistryConfig& c, const RouteSpec& route) {
  return c.name + "-" + route.name;
}
inline std::string prunerName(const RegistryConfig& c) { return c.name + "-pruner"; }
inline std::string nodeCaName(const RegistryConfig& c) { return c.name + "-node-ca"; }
// The identity of the operator's jobs (the pruner, the mirrors).
inline std::string jobsName(const RegistryConfig& c) { return c.name + "-jobs"; }
inline std::string mirrorCronJobName(const RegistryConfig& c, const MirrorSpec& mirror) {
  return c.name + "-mirror-" + mirror.name;
}
// The Secret the registry serves TLS from: the user's (mode Secret) or N-tls (mode Auto, issued
// by the operator on Kubernetes, by service-ca on OpenShift).
inline std::string servingSecretName(const RegistryConfig& c) {
  return c.spec.tls.mode == TlsMode::Secret ? c.spec.tls.secretName : tlsSecretName(c);
}

// Keys of N-private, N-config, N-tls, N-ca-key, N-ca, N-admin and N-htpasswd.
inline constexpr const char* kHttpSecretKey = "httpSecret";
inline constexpr const char* kConfigKey = "config.yml";
inline constexpr const char* kHtpasswdKey = "htpasswd";        // N-config, N-admin, N-htpasswd
inline constexpr const char* kUsernameKey = "username";        // N-admin (kubernetes.io/basic-auth)
inline constexpr const char* kPasswordKey = "password";        // N-admin
inline constexpr const char* kTokenCertKey = "token-ca.crt";   // N-config: verifies tokens
inline constexpr const char* kSigningCertKey = "signing.crt";  // N-token-signing
inline constexpr const char* kSigningKeyKey = "signing.key";   // N-token-signing
inline constexpr const char* kTlsCertKey = "tls.crt";
inline constexpr const char* kTlsKeyKey = "tls.key";
inline constexpr const char* kCaKey = "ca.crt";
inline constexpr const char* kCaKeyKey = "ca.key";                // N-ca-key: the CA's key
inline constexpr const char* kPreviousCaKey = "previous-ca.crt";  // N-ca-key: replaced CA
inline constexpr const char* kNextCaKey = "next-ca.crt";          // N-ca-key: the CA to come
inline constexpr const char* kNextCaKeyKey = "next-ca.key";       // N-ca-key: its key
// service-ca writes the CA bundle under this key of an annotated ConfigMap (OpenShift).
inline constexpr const char* kServiceCaKey = "service-ca.crt";

// Keys the operator reads from the user's Secrets.
// spec.configBundleSecret: `config.yml`, else `config.yaml` (config_bundle.h).
inline constexpr const char* kBundleConfigKey = "config.yml";
inline constexpr const char* kBundleConfigAltKey = "config.yaml";
inline constexpr const char* kUserHtpasswdKey = "htpasswd";  // spec.auth.htpasswdSecret
// spec.mirrors[].pullSecret, a kubernetes.io/dockerconfigjson Secret
inline constexpr const char* kDockerConfigJsonKey = ".dockerconfigjson";
inline constexpr const char* kS3AccessKeyKey = "REGISTRY_STORAGE_S3_ACCESSKEY";
inline constexpr const char* kS3SecretKeyKey = "REGISTRY_STORAGE_S3_SECRETKEY";

// Paths inside the registry container.
inline constexpr const char* kConfigDir = "/etc/registry";
inline constexpr const char* kConfigPath = "/etc/registry/config.yml";
inline constexpr const char* kTlsDir = "/etc/registry-tls";
inline constexpr const char* kStorageDir = "/var/lib/registry";
// Paths inside the token service's container (auth type Kubernetes).
inline constexpr const char* kSigningDir = "/etc/registry-operator/signing";
// ConfigMap kube-root-ca.crt (in every namespace): the API server's CA. The pods mount no
// ServiceAccount token, so the CA comes from here.
inline constexpr const char* kKubeCaDir = "/etc/registry-operator/kube-ca";
inline constexpr const char* kKubeRootCaConfigMap = "kube-root-ca.crt";

// Pod template annotation carrying the configuration hash.
inline constexpr const char* kConfigHashAnnotation = "imageregistry.io/config-hash";
// On every applied object: a hash of what the operator last applied (runtime/apply_drift.h).
inline constexpr const char* kAppliedHashAnnotation = "imageregistry.io/applied-hash";

inline constexpr int kRegistryPort = 5000;
inline constexpr const char* kRegistryPortName = "registry";
// distribution's debug server; serves /debug/health, used for probes when /v2/ needs auth.
inline constexpr int kDebugPort = 5001;
// The token service (`registry-operator auth-server`, auth type Kubernetes) beside the registry
// in its pod, on port "auth" of Service N; the realm is its path kAuthTokenPath.
inline constexpr int kAuthPort = 5002;
inline constexpr const char* kAuthPortName = "auth";
inline constexpr const char* kAuthTokenPath = "/auth/token";

}  // namespace registry

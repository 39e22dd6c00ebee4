#pragma once

#include <optional>
#include <string>

#include "registry/render/generated_user.h"
#include "registry/render/platform.h"
#include "registry/render/tls_material.h"

namespace registry {

// Everything the builders read besides the CR itself. The reconciler gathers it from the cache
// (generated Secrets, user Secrets named in the spec) so that the builders stay pure functions:
// same CR + same Inputs → same objects, byte for byte.
struct Inputs {
  // The generated httpSecret from Secret `N-private` (or a freshly generated one on the first
  // reconcile). Ignored when spec.httpSecret is set. Must be identical on every replica.
  std::string httpSecret;
  // `config.yml` (or `config.yaml`) of spec.configBundleSecret, deep-merged over the rendered
  // configuration.
  std::optional<std::string> configBundle;
  // The key configBundle came from, for error messages; empty means `config.yml`.
  std::string configBundleKey;
  // Serving certificate material: the operator-issued one (tls Auto on Kubernetes), or the
  // contents of the user's / service-ca's Secret, passed only so that it enters the config hash.
  std::optional<TlsMaterial> tls;
  // The operator's CA (tls Auto on Kubernetes; tls_issuer.h): written to Secret N-ca-key, its
  // bundle (current + previous CA) to ConfigMap N-ca. Absent while an N-tls made by an earlier
  // version is served without a stored CA key; N-ca then carries tls->caPem. Not part of the
  // config hash: the pods do not read it.
  std::optional<CaMaterial> ca;
  // The htpasswd the registry reads (auth type Htpasswd), copied into N-config: the `htpasswd`
  // key of spec.auth.htpasswdSecret as it is, the bcrypt entries rendered from
  // spec.auth.usersSecret (also kept in Secret N-htpasswd, htpasswd_users.h), or the first
  // admin's entry; then the jobs' entry (jobsUser). Absent while that input is missing or
  // refused.
  std::optional<std::string> htpasswd;
  // Auth type Htpasswd with neither Secret: the first admin, kept in Secret N-admin. Not part of
  // the config hash itself: its entry is `htpasswd`.
  std::optional<GeneratedUser> initialAdmin;
  // Auth type Htpasswd while the pruner or a mirror CronJob is wanted (jobsNeedCredentials): the
  // jobs' own user, kept in Secret N-jobs-credentials; its entry is part of `htpasswd` too.
  std::optional<GeneratedUser> jobsUser;
  // Auth type Kubernetes: the key the token service signs with and its self-signed certificate
  // (issueCa, tls_issuer.h), kept in Secret N-token-signing. Its certificate is the bundle that
  // verifies tokens, copied into N-config as `token-ca.crt` (and so into the config hash: a new
  // key rolls the pods, registry and token service together).
  std::optional<CaMaterial> tokenSigning;
  // The data of spec.storage.s3.credentialsSecret, serialized in any stable way (e.g. the
  // Secret's `data` dumped as JSON). Pods read it through env; it only enters the config hash.
  std::optional<std::string> storageCredentials;
  // The ClusterIP of Service N once it exists (empty before): the node resolver maps N.S.svc to
  // it on every node. Not part of the config hash: the registry pods do not read it.
  std::string serviceClusterIP;
  PlatformOptions platform;
};

}  // namespace registry

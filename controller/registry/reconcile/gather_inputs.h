#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kube/cancel.h"
#include "kube/client.h"
#include "kube/result.h"
#include "registry/api/registry_config.h"
#include "registry/render/inputs.h"
#include "registry/render/registry_status.h"
#include "registry/render/tls_issuer.h"
#include "runtime/store.h"

namespace registry {

// Reads one Secret or ConfigMap: from the cache first, then (on a cache miss) from the API
// server, because an object the operator created a moment ago may not have reached the cache
// yet, and generating a second httpSecret or CA in that gap would roll the pods for nothing.
class ObjectSource {
 public:
  // `cancel`, when given, abandons the API reads once it fires (a reconcile's token).
  ObjectSource(kube::ClientPtr client, runtime::StorePtr secrets, runtime::StorePtr config_maps,
               std::optional<kube::CancelToken> cancel = std::nullopt);
  kube::Result<std::optional<kube::Json>> secret(const std::string& ns,
                                                 const std::string& name) const;
  // Straight from the API server, bypassing the cache: before generating anything new.
  kube::Result<std::optional<kube::Json>> liveSecret(const std::string& ns,
                                                     const std::string& name) const;
  kube::Result<std::optional<kube::Json>> configMap(const std::string& ns,
                                                    const std::string& name) const;

 private:
  kube::ClientPtr client_;
  runtime::StorePtr secrets_;
  runtime::StorePtr config_maps_;
  std::optional<kube::CancelToken> cancel_;
};

struct GatheredInputs {
  Inputs inputs;
  // Inputs that are missing or unusable (a referenced Secret that does not exist, a key that is
  // not there, a bundle that is not YAML): the reconciler reports them as Degraded and keeps
  // the objects that read them (the configuration and the pods) at their last good state.
  std::vector<Problem> problems;
  // Missing or unusable inputs that only the operator's jobs read (a mirror's pull or CA
  // Secret, mounted into its CronJob's pods): Degraded too, but nothing is held for them, since
  // the registry's pods do not read them. Without this, each run would wait in
  // ContainerCreating with nothing said on the CR.
  std::vector<Problem> jobProblems;
  // Operator-issued TLS only (mode Auto on Kubernetes): what was decided and why, and when the
  // material next needs a look (renewal, rotation, the switch to the next CA, the previous CA's
  // expiry; tls_issuer.h). The reconciler requeues for then.
  std::optional<TlsDecision> tlsDecision;
  std::optional<std::chrono::system_clock::time_point> tlsRecheckAt;
  // Worth telling the user but harmless (a config.yaml ignored for config.yml): reported as
  // Warning Events and in the log; the reconcile carries on.
  std::vector<Problem> warnings;
};

// Collects everything the builders need besides the CR (docs/design.md §3 config-hash inputs):
// the generated httpSecret (generated once if N-private has none), the operator-issued CA and
// serving certificate (N-ca-key, N-tls: issued, renewed and rotated by ensureTls under
// `tls_policy`, see tls_issuer.h), and the user's Secrets. Whenever the cached N-private,
// N-ca-key or N-tls would lead to generating or changing anything, they are read again from the
// API server first, so a lagging cache never causes a second httpSecret, CA or certificate.
// API errors are returned as errors (retry); missing user input becomes a Problem.
kube::Result<GatheredInputs> gatherInputs(const RegistryConfig& config, const ObjectSource& source,
                                          const PlatformOptions& platform,
                                          const TlsPolicy& tls_policy,
                                          std::chrono::system_clock::time_point now);

// gatherInputs' part for spec.configBundleSecret (nothing when it is empty): reads the Secret
// through `source` and sets out.inputs.configBundle and configBundleKey. A missing Secret or
// key becomes a Problem (reason ConfigBundleUnavailable) in out.problems, content that is not a
// YAML mapping (or expands past the YAML reader's budget) one with reason ConfigBundleInvalid, an
// ignored `config.yaml` a warning (reason ConfigBundleKeyIgnored) in out.warnings. API errors are
// returned (retry).
kube::Result<void> gatherConfigBundle(const RegistryConfig& config, const ObjectSource& source,
                                      GatheredInputs& out);

// gatherInputs' part for auth type Htpasswd (nothing for other types; gather_htpasswd.cpp): sets
// out.inputs.htpasswd from spec.auth.htpasswdSecret (checked: bcrypt entries only), from
// spec.auth.usersSecret (hashed, reusing the entries of N-htpasswd that still verify), or from
// the first admin kept in N-admin (out.inputs.initialAdmin, generated when N-admin has none),
// followed by the entry of the jobs' own user (out.inputs.jobsUser, kept in N-jobs-credentials)
// while the pruner or a mirror is wanted; kJobsUser is refused as a user of the spec's. As for
// the httpSecret, N-admin, N-jobs-credentials and N-htpasswd are read from the cache, and again
// from the API server before anything would be generated or hashed anew, so a lagging cache
// never makes a second password or a new salt (which would roll the pods). A missing Secret or key
// is a Problem with reason HtpasswdUnavailable, content refused one with reason HtpasswdInvalid;
// neither names a password or a hash. API errors are returned (retry).
kube::Result<void> gatherHtpasswd(const RegistryConfig& config, const ObjectSource& source,
                                  GatheredInputs& out);

// The decoded value of `key` in a Secret's data, if present and valid base64.
std::optional<std::string> secretValue(const kube::Json& secret, const std::string& key);

}  // namespace registry

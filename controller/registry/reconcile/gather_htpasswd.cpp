// gatherInputs' part for auth type Htpasswd (gather_inputs.h).
#include "registry/reconcile/gather_inputs.h"
#include "registry/render/htpasswd_file.h"
#include "registry/render/htpasswd_users.h"
#include "registry/render/initial_admin.h"
#include "registry/render/object_names.h"

namespace registry {

namespace {

constexpr const char* kUnavailable = "HtpasswdUnavailable";
constexpr const char* kInvalid = "HtpasswdInvalid";

std::string secretRef(const std::string& field, const std::string& name) {
  return field + ": Secret \"" + name + "\"";
}

// The user's Secret `name` named by `field`, or nothing with a Problem when it does not exist.
kube::Result<std::optional<kube::Json>> userSecret(const ObjectSource& source,
                                                   const RegistryConfig& config,
                                                   const std::string& field,
                                                   const std::string& name, GatheredInputs& out) {
  auto secret = source.secret(config.namespace_, name);
  if (!secret) return secret.error();
  if (!*secret) {
    out.problems.push_back(
        {kUnavailable, secretRef(field, name) + " not found in namespace " + config.namespace_});
  }
  return secret;
}

// spec.auth.htpasswdSecret: used as it is once every entry is bcrypt.
kube::Result<void> gatherGivenHtpasswd(const RegistryConfig& config, const ObjectSource& source,
                                       GatheredInputs& out) {
  const std::string field = "spec.auth.htpasswdSecret";
  const std::string& name = config.spec.auth.htpasswdSecret;
  auto secret = userSecret(source, config, field, name, out);
  if (!secret) return secret.error();
  if (!*secret) return {};
  auto content = secretValue(**secret, kUserHtpasswdKey);
  if (!content) {
    out.problems.push_back(
        {kUnavailable, secretRef(field, name) + " has no valid key \"" + kUserHtpasswdKey + "\""});
    return {};
  }
  if (auto entries = readHtpasswd(*content, secretRef(field, name) + " key " + kUserHtpasswdKey);
      !entries) {
    out.problems.push_back({kInvalid, entries.error().message()});
    return {};
  }
  out.inputs.htpasswd = *content;
  return {};
}

// What N-htpasswd holds under key htpasswd ("" when it or the key is missing).
kube::Result<std::string> storedHtpasswd(const RegistryConfig& config, const ObjectSource& source,
                                         bool live) {
  const std::string name = htpasswdSecretName(config);
  auto secret =
      live ? source.liveSecret(config.namespace_, name) : source.secret(config.namespace_, name);
  if (!secret) return secret.error();
  if (!*secret) return std::string();
  return secretValue(**secret, kHtpasswdKey).value_or("");
}

// spec.auth.usersSecret: one bcrypt entry per user, unchanged users keeping theirs.
kube::Result<void> gatherUsers(const RegistryConfig& config, const ObjectSource& source,
                               GatheredInputs& out) {
  const std::string field = "spec.auth.usersSecret";
  const std::string& name = config.spec.auth.usersSecret;
  auto secret = userSecret(source, config, field, name, out);
  if (!secret) return secret.error();
  if (!*secret) return {};
  auto users = usersFromSecretData(kube::at(**secret, "/data"), secretRef(field, name));
  if (!users) {
    out.problems.push_back({kInvalid, users.error().message()});
    return {};
  }
  auto cached = storedHtpasswd(config, source, false);
  if (!cached) return cached.error();
  auto verified = verifiedHashes(*users, *cached);
  if (verified.size() < users->size()) {
    // Someone's hash would be made anew: first make sure the cache is not just behind a write
    // of a moment ago, or the new salt would roll the pods for nothing.
    auto live = storedHtpasswd(config, source, true);
    if (!live) return live.error();
    if (*live != *cached) verified = verifiedHashes(*users, *live);
  }
  auto rendered = renderUsersHtpasswd(*users, verified);
  if (!rendered) return rendered.error();
  out.inputs.htpasswd = *rendered;
  return {};
}

std::optional<StoredAdmin> storedAdminOf(const std::optional<kube::Json>& secret) {
  if (!secret) return std::nullopt;
  return StoredAdmin{secretValue(*secret, kPasswordKey).value_or(""),
                     secretValue(*secret, kHtpasswdKey).value_or("")};
}

// Neither Secret: the first admin, kept in N-admin.
kube::Result<void> gatherInitialAdmin(const RegistryConfig& config, const ObjectSource& source,
                                      GatheredInputs& out) {
  const std::string name = adminSecretName(config);
  const std::string& username = config.spec.auth.initialAdmin;
  auto cached = source.secret(config.namespace_, name);
  if (!cached) return cached.error();
  std::optional<AdminCredentials> admin = reusableAdmin(username, storedAdminOf(*cached));
  if (!admin) {
    // Before a new password (or a new salt): the API server's copy, as for the httpSecret.
    auto live = source.liveSecret(config.namespace_, name);
    if (!live) return live.error();
    const std::optional<StoredAdmin> stored = storedAdminOf(*live);
    auto ensured = ensureInitialAdmin(username, stored, "Secret \"" + name + "\"");
    if (!ensured) {
      if (!ensured.error().is(kube::ErrorKind::Invalid)) return ensured.error();
      // A password set by hand that bcrypt cannot hash: N-admin stays as it is (its builder
      // must still want it, or it would be deleted and a new password made), and so does the
      // htpasswd the pods run with, until the administrator fixes it.
      out.problems.push_back({kInvalid, ensured.error().message()});
      out.inputs.initialAdmin = AdminCredentials{username, stored->password, stored->htpasswd};
      return {};
    }
    admin = std::move(*ensured);
  }
  out.inputs.htpasswd = admin->htpasswd;
  out.inputs.initialAdmin = std::move(*admin);
  return {};
}

}  // namespace

kube::Result<void> gatherHtpasswd(const RegistryConfig& config, const ObjectSource& source,
                                  GatheredInputs& out) {
  const AuthSpec& auth = config.spec.auth;
  if (auth.type != AuthType::Htpasswd) return {};
  if (!auth.htpasswdSecret.empty()) return gatherGivenHtpasswd(config, source, out);
  if (!auth.usersSecret.empty()) return gatherUsers(config, source, out);
  return gatherInitialAdmin(config, source, out);
}

}  // namespace registry

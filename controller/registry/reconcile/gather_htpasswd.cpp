// gatherInputs' part for auth type Htpasswd (gather_inputs.h).
#include "registry/api/htpasswd_user.h"
#include "registry/reconcile/gather_inputs.h"
#include "registry/render/feature_support.h"
#include "registry/render/generated_user.h"
#include "registry/render/htpasswd_file.h"
#include "registry/render/htpasswd_users.h"
#include "registry/render/object_names.h"

namespace registry {

namespace {

constexpr const char* kUnavailable = "HtpasswdUnavailable";
constexpr const char* kInvalid = "HtpasswdInvalid";

std::string secretRef(const std::string& field, const std::string& name) {
  return field + ": Secret \"" + name + "\"";
}

std::string reservedMessage() {
  return std::string("user ") + quotedForMessage(kJobsUser) +
         " is reserved for the operator's jobs";
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
  const std::string source_name = secretRef(field, name) + " key " + kUserHtpasswdKey;
  auto entries = readHtpasswd(*content, source_name);
  if (!entries) {
    out.problems.push_back({kInvalid, entries.error().message()});
    return {};
  }
  for (const auto& entry : *entries) {
    if (entry.user != kJobsUser) continue;
    out.problems.push_back({kInvalid, source_name + ": line " + std::to_string(entry.line) + ": " +
                                          reservedMessage()});
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
  if (users->count(kJobsUser)) {
    out.problems.push_back({kInvalid, secretRef(field, name) + ": key " +
                                          quotedForMessage(kJobsUser) + ": " + reservedMessage()});
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

std::optional<StoredUser> storedUserOf(const std::optional<kube::Json>& secret) {
  if (!secret) return std::nullopt;
  return StoredUser{secretValue(*secret, kPasswordKey).value_or(""),
                    secretValue(*secret, kHtpasswdKey).value_or("")};
}

struct Generated {
  GeneratedUser user;
  // False when its stored password cannot be hashed (a Problem was added): the user is then
  // kept as stored, so that its Secret is neither deleted nor given a new password, but its
  // entry is not used.
  bool usable = true;
};

// A user the operator generates (generated_user.h), kept in Secret `name` of the CR's.
kube::Result<Generated> gatherGeneratedUser(const RegistryConfig& config,
                                            const ObjectSource& source, const std::string& name,
                                            const std::string& username, GatheredInputs& out) {
  auto cached = source.secret(config.namespace_, name);
  if (!cached) return cached.error();
  if (auto kept = reusableUser(username, storedUserOf(*cached))) return Generated{*kept};
  // Before a new password (or a new salt): the API server's copy, as for the httpSecret.
  auto live = source.liveSecret(config.namespace_, name);
  if (!live) return live.error();
  const std::optional<StoredUser> stored = storedUserOf(*live);
  auto ensured = ensureGeneratedUser(username, stored, "Secret \"" + name + "\"");
  if (ensured) return Generated{std::move(*ensured)};
  if (!ensured.error().is(kube::ErrorKind::Invalid)) return ensured.error();
  // A password set by hand that bcrypt cannot take, until the administrator fixes it.
  out.problems.push_back({kInvalid, ensured.error().message()});
  return Generated{GeneratedUser{username, stored->password, stored->htpasswd}, false};
}

}  // namespace

kube::Result<void> gatherHtpasswd(const RegistryConfig& config, const ObjectSource& source,
                                  GatheredInputs& out) {
  const AuthSpec& auth = config.spec.auth;
  if (auth.type != AuthType::Htpasswd) return {};
  if (!auth.htpasswdSecret.empty()) {
    if (auto given = gatherGivenHtpasswd(config, source, out); !given) return given.error();
  } else if (!auth.usersSecret.empty()) {
    if (auto users = gatherUsers(config, source, out); !users) return users.error();
  } else {
    auto admin =
        gatherGeneratedUser(config, source, adminSecretName(config), auth.initialAdmin, out);
    if (!admin) return admin.error();
    if (admin->usable) out.inputs.htpasswd = admin->user.htpasswd;
    out.inputs.initialAdmin = std::move(admin->user);
  }
  if (!jobsNeedCredentials(config)) return {};
  // The jobs' own user, after the users of the spec: its line is the htpasswd's last.
  auto jobs = gatherGeneratedUser(config, source, jobsCredentialsName(config), kJobsUser, out);
  if (!jobs) return jobs.error();
  if (!jobs->usable) {
    out.inputs.htpasswd.reset();  // the problem holds the configuration anyway
  } else if (out.inputs.htpasswd) {
    std::string& htpasswd = *out.inputs.htpasswd;
    if (!htpasswd.empty() && htpasswd.back() != '\n') htpasswd += '\n';
    htpasswd += jobs->user.htpasswd;
  }
  out.inputs.jobsUser = std::move(jobs->user);
  return {};
}

}  // namespace registry

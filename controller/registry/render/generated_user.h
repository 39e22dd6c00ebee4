#pragma once

#include <optional>
#include <string>

#include "kube/result.h"

namespace registry {

// A user the operator makes for a registry with auth type Htpasswd, with a random password, kept
// in a Secret of its own (keys username, password, htpasswd) while the registry's htpasswd holds
// its bcrypt entry: the first admin (spec.auth.initialAdmin in Secret N-admin, with neither
// htpasswdSecret nor usersSecret, as Quay makes one, for an administrator to read with kubectl)
// and the operator's jobs (Secret N-jobs-credentials, mounted into the pruner's and mirrors'
// pods).
struct GeneratedUser {
  std::string username;
  std::string password;
  std::string htpasswd;  // "username:$2b$...\n", the user's one htpasswd line
};

// What its Secret holds ("" for a missing key).
struct StoredUser {
  std::string password;
  std::string htpasswd;
};

// A new password: 32 characters of [A-Za-z0-9] from OpenSSL's CSPRNG (about 190 bits), safe to
// paste into a shell or a login prompt.
kube::Result<std::string> generatePassword();

// `stored` as it is, under `username`, when its password verifies against its bcrypt entry;
// otherwise nothing (the caller then asks the API server before anything is made anew).
std::optional<GeneratedUser> reusableUser(const std::string& username,
                                          const std::optional<StoredUser>& stored);

// The user to keep in its Secret: reusableUser when it answers; else the stored password (an
// administrator may have set it by hand) hashed anew, or a new password when none is stored. A
// new hash has a new salt, so it changes the htpasswd and rolls the pods: that is why the hash is
// kept beside the password and made again only when the password no longer verifies. Error kind
// Invalid when a stored password cannot be hashed faithfully (bcrypt.h), naming `source`.
kube::Result<GeneratedUser> ensureGeneratedUser(const std::string& username,
                                                const std::optional<StoredUser>& stored,
                                                const std::string& source);

}  // namespace registry

#pragma once

#include <optional>
#include <string>

#include "kube/result.h"

namespace registry {

// The first admin of a registry with auth type Htpasswd and neither htpasswdSecret nor
// usersSecret, as Quay makes one: user spec.auth.initialAdmin with a random password, kept in
// Secret N-admin (keys username, password, htpasswd) so that an administrator reads it with
// kubectl, and the registry's htpasswd holds its bcrypt entry.
struct AdminCredentials {
  std::string username;
  std::string password;
  std::string htpasswd;  // "username:$2b$...\n", the registry's whole htpasswd
};

// What N-admin holds ("" for a missing key).
struct StoredAdmin {
  std::string password;
  std::string htpasswd;
};

// A new password: 32 characters of [A-Za-z0-9] from OpenSSL's CSPRNG (about 190 bits), safe to
// paste into a shell or a login prompt.
kube::Result<std::string> generateAdminPassword();

// `stored` as it is, under `username`, when its password verifies against its bcrypt entry;
// otherwise nothing (the caller then asks the API server before anything is made anew).
std::optional<AdminCredentials> reusableAdmin(const std::string& username,
                                              const std::optional<StoredAdmin>& stored);

// The admin to keep in N-admin: reusableAdmin when it answers; else the stored password (an
// administrator may have set it by hand) hashed anew, or a new password when none is stored. A
// new hash has a new salt, so it changes the htpasswd and rolls the pods: that is why the hash is
// kept beside the password and made again only when the password no longer verifies. Error kind
// Invalid when a stored password cannot be hashed faithfully (bcrypt.h), naming `source`.
kube::Result<AdminCredentials> ensureInitialAdmin(const std::string& username,
                                                  const std::optional<StoredAdmin>& stored,
                                                  const std::string& source);

}  // namespace registry

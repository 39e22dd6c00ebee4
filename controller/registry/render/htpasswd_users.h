#pragma once

#include <map>
#include <string>

#include "kube/object.h"
#include "kube/result.h"

namespace registry {

// The htpasswd rendered from spec.auth.usersSecret, whose keys are user names and values
// passwords. bcrypt salts each hash at random, so hashing the same password twice gives two
// different lines, and a changed htpasswd rolls the registry pods: the operator keeps what it
// rendered (Secret N-htpasswd) and keeps each entry whose hash still verifies the user's
// password, so an unchanged Secret renders the same bytes and only a changed or new password is
// hashed again. The passwords themselves are stored nowhere else.

// user → password of a users Secret's `data` (base64 values), or an Error (kind Invalid) whose
// message starts with `source` and names every key that is not an htpasswd user name
// (api/htpasswd_user.h), is not valid base64, or holds a password bcrypt cannot hash faithfully
// (bcrypt.h), and says when there is no user at all. Never contains a password.
kube::Result<std::map<std::string, std::string>> usersFromSecretData(const kube::Json& data,
                                                                     const std::string& source);

// The hashes of `previous` (an htpasswd the operator rendered before, "" for none) that still
// verify the password of their user in `users`, by user. Lines of `previous` that are not
// bcrypt, or whose user is no longer there, are left out.
std::map<std::string, std::string> verifiedHashes(const std::map<std::string, std::string>& users,
                                                  const std::string& previous);

// One "user:hash" line per user, sorted by user name: the hash in `verified` where there is one,
// else a new bcrypt hash. Errors only when libcrypt or the CSPRNG fails.
kube::Result<std::string> renderUsersHtpasswd(const std::map<std::string, std::string>& users,
                                              const std::map<std::string, std::string>& verified);

}  // namespace registry

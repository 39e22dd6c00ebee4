#pragma once

#include <string>
#include <string_view>

namespace registry {

// The user names the operator writes into an htpasswd file (spec.auth.initialAdmin, the keys of
// spec.auth.usersSecret): letters, digits and `._@+-`, at most 253 characters. distribution
// splits each line at its first ':' and trims it, skips lines starting with '#', and clients
// send the name in a Basic header, so a ':', white space, a control character or a leading '#'
// would make a user that cannot log in; this grammar leaves all of those out (and is what the
// CRD's pattern for initialAdmin says). Every key a Kubernetes Secret allows is such a name.
inline constexpr const char* kHtpasswdUserPattern = "^[A-Za-z0-9._@+-]+$";
inline constexpr std::size_t kMaxHtpasswdUserLength = 253;

bool isHtpasswdUserName(std::string_view name);

// The user the operator's jobs (the pruner, the mirrors) log in as, in the htpasswd of a registry
// with auth Htpasswd: reserved, so that no user of the spec's (initialAdmin, a key of the users
// Secret, a line of the htpasswd Secret) can take it or be taken for it.
inline constexpr const char* kJobsUser = "registry-operator-jobs";

// `text` in double quotes with bytes outside printable ASCII as \xNN, for messages that name a
// user or a key someone typed (a newline in it must not forge a second line of a log).
std::string quotedForMessage(std::string_view text);

}  // namespace registry

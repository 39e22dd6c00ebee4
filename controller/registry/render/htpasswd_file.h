#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kube/result.h"

namespace registry {

// An htpasswd file as distribution 2.8 reads it: each line trimmed of white space, empty lines
// and lines starting with '#' skipped, the rest split at the first ':' into user and hash (a
// later line of the same user wins). distribution compares passwords with bcrypt alone, so an
// entry of any other kind (MD5 `$apr1$`, SHA-1 `{SHA}`, crypt, plain text) is a user who can
// never log in, with nothing said anywhere; the operator refuses such files instead.

struct HtpasswdEntry {
  std::string user;
  std::string hash;
  int line = 0;  // 1-based, for messages
};

// The entries of `content`, or an Error (kind Invalid) whose message starts with `source` (the
// field and Secret it came from) and names, for each refused line (the first five), its number,
// its user and what kind of entry it is, but never the hash or anything after the ':' (a
// plain-text password may be there). A line without ':' is not named by its text either.
kube::Result<std::vector<HtpasswdEntry>> readHtpasswd(std::string_view content,
                                                      const std::string& source);

// "user:hash\n" for each entry, in the given order.
std::string writeHtpasswd(const std::vector<HtpasswdEntry>& entries);

}  // namespace registry

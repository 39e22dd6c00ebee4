#include "registry/render/htpasswd_users.h"

#include <vector>

#include "kube/base64.h"
#include "registry/api/htpasswd_user.h"
#include "registry/render/bcrypt.h"
#include "registry/render/htpasswd_file.h"

namespace registry {

kube::Result<std::map<std::string, std::string>> usersFromSecretData(const kube::Json& data,
                                                                     const std::string& source) {
  std::map<std::string, std::string> users;
  std::vector<std::string> refused;
  if (data.is_object()) {
    for (const auto& [key, value] : data.items()) {
      const std::string named = "key " + quotedForMessage(key);
      if (!isHtpasswdUserName(key)) {
        refused.push_back(named +
                          " is not a user name (1 to 253 letters, digits, '.', '_', '@', '+' or "
                          "'-'; never ':' or a line break)");
        continue;
      }
      std::optional<std::string> password;
      if (value.is_string()) password = kube::base64Decode(value.get<std::string>());
      if (!password) {
        refused.push_back(named + " is not valid base64");
        continue;
      }
      if (auto problem = bcryptPasswordProblem(*password)) {
        refused.push_back(named + ": the password " + *problem);
        continue;
      }
      users.emplace(key, std::move(*password));
    }
  }
  if (!refused.empty()) {
    std::string message = source + ": ";
    for (std::size_t i = 0; i < refused.size(); ++i) message += (i ? "; " : "") + refused[i];
    return kube::Error(kube::ErrorKind::Invalid, message);
  }
  if (users.empty()) {
    return kube::Error(kube::ErrorKind::Invalid,
                       source + " has no users (each key is a user name, its value the password)");
  }
  return users;
}

std::map<std::string, std::string> verifiedHashes(const std::map<std::string, std::string>& users,
                                                  const std::string& previous) {
  std::map<std::string, std::string> verified;
  auto entries = readHtpasswd(previous, "");
  if (!entries) return verified;  // not ours as written (a hand edit): every user is hashed anew
  for (const auto& entry : *entries) {
    auto user = users.find(entry.user);
    if (user == users.end() || verified.count(entry.user)) continue;
    if (bcryptMatches(user->second, entry.hash)) verified.emplace(entry.user, entry.hash);
  }
  return verified;
}

kube::Result<std::string> renderUsersHtpasswd(const std::map<std::string, std::string>& users,
                                              const std::map<std::string, std::string>& verified) {
  std::vector<HtpasswdEntry> entries;
  for (const auto& [user, password] : users) {
    if (auto kept = verified.find(user); kept != verified.end()) {
      entries.push_back({user, kept->second, 0});
      continue;
    }
    auto hash = bcryptHash(password);
    if (!hash) return hash.error().withContext("hashing the password of user " + user);
    entries.push_back({user, *hash, 0});
  }
  return writeHtpasswd(entries);
}

}  // namespace registry

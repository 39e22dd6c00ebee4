// The htpasswd pieces of auth type Htpasswd: the checker of a given htpasswd (bcrypt only),
// bcrypt through libcrypt, the first admin and the htpasswd rendered from a users Secret.
#include <crypt.h>

#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "kube/base64.h"
#include "registry/api/htpasswd_user.h"
#include "registry/render/bcrypt.h"
#include "registry/render/generated_user.h"
#include "registry/render/htpasswd_file.h"
#include "registry/render/htpasswd_users.h"

using namespace registry;
using Json = kube::Json;

namespace {

// "alice-password" as `htpasswd -B` writes it ($2y$), made once with libxcrypt at cost 4.
const std::string kAliceHash = "$2y$04$IOOWyF4D6ozKnH3uqdHQEOmhpB59IJ4n.m2fLVO7qdg96vAmddlrG";
const std::string kSource = "spec.auth.htpasswdSecret: Secret \"users\" key htpasswd";

// A cost-4 bcrypt hash of `password` (the tests' own, fast; the operator's cost is 10).
std::string quickHash(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  REQUIRE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting) != nullptr);
  struct crypt_data data = {};
  const char* hash = crypt_r(password.c_str(), setting, &data);
  REQUIRE(hash != nullptr);
  return hash;
}

std::string refusal(const std::string& content) {
  auto read = readHtpasswd(content, kSource);
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().kind() == kube::ErrorKind::Invalid);
  return read.error().message();
}

Json dataOf(const std::map<std::string, std::string>& values) {
  Json data = Json::object();
  for (const auto& [key, value] : values) data[key] = kube::base64Encode(value);
  return data;
}

}  // namespace

TEST_CASE("htpasswd user names: the grammar, and quoting for messages") {
  for (const char* good : {"admin", "a", "alice.smith", "ci_bot-2", "ops@example.com", "a+b"}) {
    INFO(good);
    CHECK(isHtpasswdUserName(good));
  }
  for (const char* bad : {"", "a:b", "a\nb", "a b", "#admin", "tab\t", "é"}) {
    INFO(bad);
    CHECK_FALSE(isHtpasswdUserName(bad));
  }
  CHECK_FALSE(isHtpasswdUserName(std::string(254, 'a')));
  CHECK(isHtpasswdUserName(std::string(253, 'a')));
  CHECK(quotedForMessage("a\nb\"c") == "\"a\\x0ab\\x22c\"");
}

TEST_CASE(
    "htpasswd checker: bcrypt entries, comments and blank lines are read as distribution does") {
  const std::string hash_b = quickHash("bob-password");
  auto read =
      readHtpasswd("# team a\n\nalice:" + kAliceHash + "\r\n  bob:" + hash_b + "  \n", kSource);
  INFO((read.ok() ? std::string() : read.error().message()));
  REQUIRE(read.ok());
  REQUIRE(read->size() == 2);
  CHECK((*read)[0].user == "alice");
  CHECK((*read)[0].hash == kAliceHash);
  CHECK((*read)[0].line == 3);
  CHECK((*read)[1].user == "bob");
  CHECK((*read)[1].line == 4);
  CHECK(writeHtpasswd(*read) == "alice:" + kAliceHash + "\nbob:" + hash_b + "\n");
  // $2a$ and $2b$ are bcrypt too; an empty file has no users.
  CHECK(readHtpasswd("a:$2a$" + kAliceHash.substr(4) + "\nb:$2b$" + kAliceHash.substr(4) + "\n",
                     kSource)
            .ok());
  CHECK(readHtpasswd("", kSource).value().empty());
}

TEST_CASE("htpasswd checker: every other form is refused by line and user, never by its hash") {
  struct Case {
    std::string line;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"apr:$apr1$WNpi0pNB$7MRPmiM3tgN2d2fuymjE.0", "line 2 (user \"apr\"): an MD5 ($apr1$) hash"},
      {"sha:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "line 2 (user \"sha\"): a SHA-1 ({SHA}) hash"},
      {"md5crypt:$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0",
       "line 2 (user \"md5crypt\"): an MD5-crypt ($1$) hash"},
      {"sha512:$6$salt$"
       "IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.",
       "line 2 (user \"sha512\"): a SHA-512-crypt ($6$) hash"},
      {"des:rl0uE2h0cULTc", "line 2 (user \"des\"): a DES crypt hash"},
      {"plain:hunter2-is-my-password",
       "line 2 (user \"plain\"): not a password hash (plain text?)"},
      {"short:$2y$05$abc", "line 2 (user \"short\"): a malformed bcrypt hash"},
      {"cost:$2y$99$" + kAliceHash.substr(7), "line 2 (user \"cost\"): a malformed bcrypt hash"},
      {"nohash:", "line 2 (user \"nohash\"): no password hash"},
      {":" + kAliceHash, "line 2: no user name before the ':'"},
      {"just-a-password-pasted-alone", "line 2: not of the form user:hash"},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    const std::string message = refusal("alice:" + kAliceHash + "\n" + c.line + "\n");
    CHECK_THAT(message, Catch::StartsWith(kSource + ": the registry accepts bcrypt entries only"));
    CHECK_THAT(message, Catch::EndsWith(c.expected));
    // What follows the ':' (a hash, or a password typed in plain) never reaches the message,
    // nor does a line without ':' (it may be a password).
    const auto colon = c.line.find(':');
    const std::string secret = colon == std::string::npos ? c.line : c.line.substr(colon + 1);
    if (secret.size() > 4) CHECK(message.find(secret) == std::string::npos);
    CHECK(message.find(kAliceHash) == std::string::npos);
  }
}

TEST_CASE("htpasswd checker: several refused lines are all named, up to five") {
  std::string content;
  for (int i = 1; i <= 7; ++i) content += "u" + std::to_string(i) + ":{SHA}x\n";
  const std::string message = refusal(content);
  CHECK(message.find("line 1 (user \"u1\")") != std::string::npos);
  CHECK(message.find("line 5 (user \"u5\")") != std::string::npos);
  CHECK(message.find("u6") == std::string::npos);
  CHECK_THAT(message, Catch::EndsWith("; and 2 more lines"));
  // A user name with a line break cannot forge a second line of the log.
  CHECK(refusal("a\rb:{SHA}x\n").find("\"a\\x0db\"") != std::string::npos);
}

TEST_CASE(
    "bcrypt: hashes are 2b at cost 10, verify with crypt, and never verify another password") {
  auto hash = bcryptHash("s3cret-Password");
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$2b$10$", 0) == 0);
  CHECK(isBcryptHash(*hash));
  // libcrypt itself agrees: crypt_r of the password with the hash as setting gives the hash.
  struct crypt_data data = {};
  CHECK(std::string(crypt_r("s3cret-Password", hash->c_str(), &data)) == *hash);
  CHECK(bcryptMatches("s3cret-Password", *hash));
  CHECK_FALSE(bcryptMatches("s3cret-password", *hash));
  // A new salt each time.
  CHECK(bcryptHash("s3cret-Password").value() != *hash);
  // Hashes of htpasswd -B ($2y$) verify too.
  CHECK(bcryptMatches("alice-password", kAliceHash));
  CHECK_FALSE(bcryptMatches("alice-passwort", kAliceHash));
}

TEST_CASE("bcrypt: passwords it cannot hash faithfully are refused without being named") {
  CHECK(bcryptPasswordProblem("") == std::optional<std::string>("is empty"));
  CHECK(bcryptPasswordProblem(std::string("ab\0cd", 5)) ==
        std::optional<std::string>("contains a NUL byte"));
  CHECK(bcryptPasswordProblem(std::string(73, 'x')).has_value());
  CHECK_FALSE(bcryptPasswordProblem(std::string(72, 'x')).has_value());
  auto refused = bcryptHash(std::string(80, 'p'));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind() == kube::ErrorKind::Invalid);
  CHECK(refused.error().message().find("pppp") == std::string::npos);
  // Only bcrypt is ever kept: an MD5-crypt hash of the right password does not "match".
  struct crypt_data data = {};
  const std::string md5 = crypt_r("pw", "$1$saltsalt$", &data);
  CHECK_FALSE(bcryptMatches("pw", md5));
}

TEST_CASE("initial admin: a new password of 32 alphanumerics, hashed, and kept while it verifies") {
  auto first = ensureGeneratedUser("admin", std::nullopt, "Secret \"r-admin\"");
  REQUIRE(first.ok());
  CHECK(first->username == "admin");
  CHECK(first->password.size() == 32);
  for (char c : first->password) CHECK(std::isalnum(static_cast<unsigned char>(c)));
  auto entries = readHtpasswd(first->htpasswd, "");
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 1);
  CHECK((*entries)[0].user == "admin");
  CHECK(bcryptMatches(first->password, (*entries)[0].hash));
  CHECK(generatePassword().value() != first->password);

  // Stored and still verifying: the very same bytes, so the pods do not roll.
  const StoredUser stored{first->password, first->htpasswd};
  auto kept = reusableUser("admin", stored);
  REQUIRE(kept);
  CHECK(kept->htpasswd == first->htpasswd);
  CHECK(ensureGeneratedUser("admin", stored, "").value().htpasswd == first->htpasswd);
  // Renamed: the same hash under the new name.
  CHECK(reusableUser("root", stored)->htpasswd == "root:" + (*entries)[0].hash + "\n");

  // A password set by hand: kept, and hashed anew since the old hash no longer verifies.
  const StoredUser edited{"chosen-by-hand", first->htpasswd};
  CHECK_FALSE(reusableUser("admin", edited));
  auto rehashed = ensureGeneratedUser("admin", edited, "");
  REQUIRE(rehashed.ok());
  CHECK(rehashed->password == "chosen-by-hand");
  CHECK(bcryptMatches("chosen-by-hand", readHtpasswd(rehashed->htpasswd, "").value()[0].hash));
  // The hash lost (key removed): the password stays, with a new hash.
  auto lost = ensureGeneratedUser("admin", StoredUser{first->password, ""}, "");
  CHECK(lost.value().password == first->password);
  CHECK(lost.value().htpasswd != first->htpasswd);
  // No password stored: a new one.
  CHECK(ensureGeneratedUser("admin", StoredUser{"", first->htpasswd}, "").value().password !=
        first->password);
  // A password bcrypt cannot take: Invalid, naming the Secret, not the password.
  auto refused =
      ensureGeneratedUser("admin", StoredUser{std::string(100, 'q'), ""}, "Secret \"r-admin\"");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind() == kube::ErrorKind::Invalid);
  CHECK_THAT(refused.error().message(), Catch::StartsWith("Secret \"r-admin\": key password is"));
  CHECK(refused.error().message().find("qqqq") == std::string::npos);
}

TEST_CASE("users Secret: keys are user names, values passwords, refusals name the key only") {
  const std::string source = "spec.auth.usersSecret: Secret \"users\"";
  auto users = usersFromSecretData(dataOf({{"alice", "pw-a"}, {"bob", "pw-b"}}), source);
  REQUIRE(users.ok());
  CHECK(*users == std::map<std::string, std::string>{{"alice", "pw-a"}, {"bob", "pw-b"}});

  Json data = dataOf({{"ok", "fine"},
                      {"a:b", "colon-password"},
                      {"line\nbreak", "newline-password"},
                      {"", "empty-name-password"},
                      {"empty", ""},
                      {"long", std::string(73, 'L')}});
  data["notbase64"] = "@@@";
  auto refused = usersFromSecretData(data, source);
  REQUIRE_FALSE(refused.ok());
  const std::string message = refused.error().message();
  CHECK_THAT(message, Catch::StartsWith(source + ": "));
  for (const char* named : {"key \"a:b\" is not a user name", "key \"line\\x0abreak\" is not a",
                            "key \"\" is not a user name", "key \"empty\": the password is empty",
                            "key \"long\": the password is longer than 72 bytes",
                            "key \"notbase64\" is not valid base64"}) {
    INFO(named);
    CHECK(message.find(named) != std::string::npos);
  }
  for (const char* secret :
       {"colon-password", "newline-password", "empty-name-password", "LLLL", "fine"}) {
    CHECK(message.find(secret) == std::string::npos);
  }
  CHECK(message.find("\"ok\"") == std::string::npos);
  auto none = usersFromSecretData(Json::object(), source);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message() ==
        source + " has no users (each key is a user name, its value the password)");
}

TEST_CASE("users htpasswd: one bcrypt entry per user, unchanged users keep theirs") {
  std::map<std::string, std::string> users = {{"carol", "pw-c"}, {"alice", "pw-a"}};
  auto first = renderUsersHtpasswd(users, verifiedHashes(users, ""));
  REQUIRE(first.ok());
  auto entries = readHtpasswd(*first, "").value();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].user == "alice");  // sorted by user
  CHECK(entries[1].user == "carol");
  CHECK(bcryptMatches("pw-a", entries[0].hash));
  CHECK(bcryptMatches("pw-c", entries[1].hash));

  // Nothing changed: every hash verifies and is kept, so the very same bytes.
  CHECK(verifiedHashes(users, *first).size() == 2);
  CHECK(renderUsersHtpasswd(users, verifiedHashes(users, *first)).value() == *first);

  // carol's password changed and bob is new: only they are hashed; alice keeps her line, and a
  // user no longer in the Secret is gone.
  users["carol"] = "pw-c2";
  users["bob"] = "pw-b";
  const auto verified = verifiedHashes(users, *first);
  CHECK(verified == std::map<std::string, std::string>{{"alice", entries[0].hash}});
  auto second = renderUsersHtpasswd(users, verified).value();
  auto after = readHtpasswd(second, "").value();
  REQUIRE(after.size() == 3);
  CHECK(after[0].user == "alice");
  CHECK(after[0].hash == entries[0].hash);
  CHECK(after[1].user == "bob");
  CHECK(bcryptMatches("pw-b", after[1].hash));
  CHECK(after[2].user == "carol");
  CHECK(bcryptMatches("pw-c2", after[2].hash));
  users.erase("alice");
  CHECK(renderUsersHtpasswd(users, verifiedHashes(users, second)).value().find("alice") ==
        std::string::npos);

  // A previous htpasswd that is not bcrypt is never reused, even for the right password.
  struct crypt_data data = {};
  const std::string md5 = crypt_r("pw-b", "$1$saltsalt$", &data);
  CHECK(verifiedHashes({{"bob", "pw-b"}}, "bob:" + md5 + "\n").empty());
}

// What a client sends the token service of auth type Kubernetes (TokenHandler::handle): the raw
// query string and the Authorization header, from arbitrary bytes. The reviews go to an in-memory
// table (no network, never failing, the same answers for the same token), the token is signed by
// a real Signer with the key of tests/token/testdata. Beyond "no crash", every response must
// keep the service's promises:
//   - the status is 200, 400, 401, 404 or 503, and every body but /healthz's is JSON;
//   - a 200 holds one token as token and access_token, whose `aud` is the service, whose `sub`
//     is the table's user (empty for anonymous), and whose `access` grants only scopes that were
//     asked for, only pull, push, delete or *, and only what the table allows that user;
//   - no body or log line holds the password of a Basic header (8 bytes or more): the same
//     request with another password of the same length (same table answers) must not hold it
//     either where it is only public text (a scope that happens to spell it, a fixed message).
// Input: byte 0 is flags (bit 0 anonymousPull; bit 1 wraps the header as "Basic base64(...)" so
// that the fuzzer writes user:password directly; bits 2-3 pick the path and method), then the
// query up to the first 0x00 byte, then the header.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "kube/base64.h"
#include "kube/http.h"
#include "kube/object.h"
#include "registry/token/token_handler.h"
#include "runtime/fake_clock.h"

namespace {

using registry::token::TokenRequest;
using registry::token::TokenResponse;

const std::string kService = "registry.team-a.svc:5000";

[[noreturn]] void fail(const std::string& what, const TokenResponse& response) {
  std::fprintf(stderr, "token_request invariant broken: %s\nstatus %d\nbody %s\nlog %s\n",
               what.c_str(), response.status, response.body.c_str(), response.log_line.c_str());
  std::abort();
}

// Who a token is, by its first byte: the review table. Users are fixed, so any text of theirs in
// a response is public.
enum class Identity { Refused, Broken, Down, Viewer, Editor, Admin, Nobody, Revoked };

Identity identityOf(const std::string& token) {
  return static_cast<Identity>(static_cast<unsigned char>(token.empty() ? 0 : token[0]) % 8);
}

const char* usernameOf(Identity identity) {
  switch (identity) {
    case Identity::Viewer:
      return "system:serviceaccount:team-a:puller";
    case Identity::Editor:
      return "alice";
    case Identity::Admin:
      return "bob";
    case Identity::Nobody:
      return "carol";
    case Identity::Revoked:
      return "dave";
    default:
      return "";
  }
}

// Whether the table lets `identity` do `verb` in `ns` ("" = cluster scope, the catalog's list).
bool allows(Identity identity, const std::string& verb, const std::string& ns) {
  switch (identity) {
    case Identity::Viewer:
      return verb == "get" || verb == "list";
    case Identity::Editor:
      return ns == "team-a" && (verb == "get" || verb == "update" || verb == "delete");
    case Identity::Admin:
      return true;
    default:
      return false;
  }
}

constexpr const char* kUnauthorized =
    R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401})";

// The API server's reviews from the table above: deterministic, never an abort.
class TableTransport : public kube::HttpTransport {
 public:
  kube::Result<kube::HttpResponse> send(const kube::HttpRequest& request) override {
    auto header = request.headers.find("Authorization");
    std::string token;
    if (header != request.headers.end() && header->second.rfind("Bearer ", 0) == 0) {
      token = header->second.substr(7);
    }
    const Identity identity = identityOf(token);
    const bool who = request.target.find("selfsubjectreviews") != std::string::npos;
    if (identity == Identity::Down) return kube::Error(kube::ErrorKind::Transport, "refused");
    if (identity == Identity::Refused || (identity == Identity::Revoked && !who)) {
      return kube::HttpResponse{401, {}, kUnauthorized};
    }
    if (identity == Identity::Broken) {
      return kube::HttpResponse{500, {}, R"({"kind":"Status","code":500})"};
    }
    if (who) {
      kube::Json review = {{"apiVersion", "authentication.k8s.io/v1"},
                           {"kind", "SelfSubjectReview"},
                           {"status", {{"userInfo", {{"username", usernameOf(identity)}}}}}};
      return kube::HttpResponse{201, {}, review.dump()};
    }
    auto body = kube::Json::parse(request.body, nullptr, false);
    const kube::Json attributes = kube::at(body, "/spec/resourceAttributes", kube::Json());
    if (!attributes.is_object()) return kube::HttpResponse{400, {}, R"({"kind":"Status"})"};
    const std::string verb = attributes.value("verb", "");
    const std::string ns = attributes.value("namespace", "");
    kube::Json review = {{"apiVersion", "authorization.k8s.io/v1"},
                         {"kind", "SelfSubjectAccessReview"},
                         {"status", {{"allowed", allows(identity, verb, ns)}}}};
    return kube::HttpResponse{201, {}, review.dump()};
  }

  kube::Result<kube::HttpResponse> stream(const kube::HttpRequest&, const kube::LineSink&,
                                          const kube::CancelToken&) override {
    return kube::Error(kube::ErrorKind::Transport, "no streams here");
  }
};

std::string readTestdata(const std::string& name) {
  std::ifstream in(std::string(TOKEN_TESTDATA_DIR) + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const registry::token::SignerPtr& signer() {
  static const registry::token::SignerPtr instance = [] {
    registry::token::SignerOptions options;
    options.audience = kService;
    auto made = registry::token::Signer::fromPem(readTestdata("signing.key"),
                                                 readTestdata("signing.crt"), options);
    if (!made) {
      std::fprintf(stderr, "cannot load the test signing key: %s\n",
                   made.error().message().c_str());
      std::abort();
    }
    return *made;
  }();
  return instance;
}

TokenResponse handle(const TokenRequest& request, bool anonymous_pull) {
  auto clock = std::make_shared<runtime::FakeClock>();
  // A fresh reviewer (and cache) per request, so that an input always gets the same answers.
  auto reviewer =
      std::make_shared<registry::token::AccessReviewer>(std::make_shared<TableTransport>(), clock);
  registry::token::TokenHandler handler({kService, anonymous_pull}, signer(), reviewer, clock);
  return handler.handle(request);
}

std::string base64UrlDecode(std::string text) {
  for (auto& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text += '=';
  return kube::base64Decode(text).value_or("");
}

// One asked scope, split the way the token spec has it (type[(class)]:name:actions).
struct Asked {
  std::string type, name;
  std::set<std::string> actions;
};

std::vector<Asked> askedScopes(const std::string& query) {
  std::vector<Asked> asked;
  for (const auto& [name, value] : registry::token::parseQuery(query)) {
    if (name != "scope") continue;
    std::istringstream words(value);
    for (std::string word; std::getline(words, word, ' ');) {
      auto first = word.find(':'), last = word.rfind(':');
      if (first == std::string::npos || first == last) continue;
      Asked scope{word.substr(0, first), word.substr(first + 1, last - first - 1), {}};
      std::istringstream actions(word.substr(last + 1));
      for (std::string action; std::getline(actions, action, ',');) scope.actions.insert(action);
      asked.push_back(std::move(scope));
    }
  }
  return asked;
}

void checkGrant(const TokenResponse& response, const TokenRequest& request, bool anonymous,
                Identity identity) {
  auto body = kube::Json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.value("token", kube::Json()).is_string()) {
    fail("a 200 without a token", response);
  }
  const std::string token = body["token"];
  if (body.value("access_token", kube::Json()) != token) fail("token != access_token", response);
  if (response.headers.count("Cache-Control") == 0) fail("a token without no-store", response);
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) fail("not a JWT", response);
  auto claims = kube::Json::parse(base64UrlDecode(token.substr(first + 1, second - first - 1)),
                                  nullptr, false);
  if (!claims.is_object()) fail("the claims are not a JSON object", response);
  const kube::Json aud = claims.value("aud", kube::Json());
  if (!aud.is_string() || aud != kService) fail("aud is not the service", response);
  const std::string sub = claims.value("sub", kube::Json("")).is_string()
                              ? claims.value("sub", std::string())
                              : std::string("<not a string>");
  if (sub != (anonymous ? std::string() : std::string(usernameOf(identity)))) {
    fail("sub is not the reviewed user", response);
  }
  const kube::Json access = claims.value("access", kube::Json());
  if (!access.is_array()) fail("access is not an array", response);
  const auto asked = askedScopes(request.query);
  for (const auto& entry : access) {
    if (!entry.is_object() || !entry.value("type", kube::Json()).is_string() ||
        !entry.value("name", kube::Json()).is_string() ||
        !entry.value("actions", kube::Json()).is_array()) {
      fail("a malformed access entry", response);
    }
    std::string type = entry["type"];
    if (entry.contains("class")) type += "(" + entry["class"].get<std::string>() + ")";
    const std::string name = entry["name"];
    std::set<std::string> asked_actions;
    for (const auto& scope : asked) {
      if (scope.type == type && scope.name == name) {
        asked_actions.insert(scope.actions.begin(), scope.actions.end());
      }
    }
    if (asked_actions.empty()) fail("a scope granted that was not asked for: " + name, response);
    if (entry["actions"].empty()) fail("an access entry without actions", response);
    const bool catalog = entry["type"] == "registry" && name == "catalog";
    const auto slash = name.find('/');
    const std::string ns = slash == std::string::npos ? std::string() : name.substr(0, slash);
    for (const auto& action_json : entry["actions"]) {
      if (!action_json.is_string()) fail("an action that is not a string", response);
      const std::string action = action_json;
      if (action != "pull" && action != "push" && action != "delete" && action != "*") {
        fail("an action that is not pull, push, delete or *: " + action, response);
      }
      if (!asked_actions.count(action) && !(action != "*" && asked_actions.count("*"))) {
        fail("an action granted that was not asked for: " + action, response);
      }
      if (catalog) {
        if (anonymous || !allows(identity, "list", "")) fail("the catalog granted", response);
        continue;
      }
      if (entry["type"] != "repository" || ns.empty()) fail("a non-repository granted", response);
      if (anonymous) {
        if (action != "pull") fail("anonymous granted more than pull", response);
        continue;
      }
      std::vector<std::string> verbs;
      if (action == "pull" || action == "*") verbs.push_back("get");
      if (action == "push" || action == "*") verbs.push_back("update");
      if (action == "delete" || action == "*") verbs.push_back("delete");
      for (const auto& verb : verbs) {
        if (!allows(identity, verb, ns))
          fail("granted what the review refused: " + action, response);
      }
    }
  }
}

// The same password with every byte but the first changed (so the table answers the same).
std::string otherPassword(const std::string& password) {
  std::string other = password;
  for (std::size_t i = 1; i < other.size(); ++i) other[i] = static_cast<char>(other[i] ^ 0x55);
  return other;
}

bool holds(const TokenResponse& response, const std::string& text) {
  return response.body.find(text) != std::string::npos ||
         response.log_line.find(text) != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto zero = rest.find('\0');
  TokenRequest request;
  request.query = rest.substr(0, zero);
  std::string header = zero == std::string::npos ? std::string() : rest.substr(zero + 1);
  if ((flags & 2) != 0 && zero != std::string::npos) header = "Basic " + kube::base64Encode(header);
  request.authorization = header;
  request.remote_address = "10.0.0.7:41234";
  switch ((flags >> 2) & 3) {
    case 2:
      request.path = "/healthz";
      break;
    case 3:
      request.method = "POST";
      request.path = "/auth/token";
      break;
    default:
      request.path = "/auth/token";
      break;
  }
  const bool anonymous_pull = (flags & 1) != 0;

  const TokenResponse response = handle(request, anonymous_pull);
  const int status = response.status;
  if (status != 200 && status != 400 && status != 401 && status != 404 && status != 503) {
    fail("an unexpected status", response);
  }
  if (request.path != "/healthz" &&
      kube::Json::parse(response.body, nullptr, false).is_discarded()) {
    fail("a body that is not JSON", response);
  }
  if (status == 401 && response.headers.count("WWW-Authenticate") == 0) {
    fail("a 401 without a challenge", response);
  }
  const auto password = registry::token::basicPassword(request.authorization);
  const Identity identity = identityOf(password.value_or(""));
  if (status == 200 && request.path == registry::token::kRealmPath) {
    checkGrant(response, request, request.authorization.empty(), identity);
  }

  if (password && password->size() >= 8 && holds(response, *password)) {
    // Public text spells it only if it is there with another password too.
    TokenRequest other = request;
    other.authorization = "Basic " + kube::base64Encode("u:" + otherPassword(*password));
    if (registry::token::basicPassword(other.authorization) != otherPassword(*password)) {
      return 0;  // a password with ':' in it cannot be re-encoded alike; nothing to compare
    }
    if (!holds(handle(other, anonymous_pull), *password)) {
      fail("the password is in the response or the log line", response);
    }
  }
  return 0;
}

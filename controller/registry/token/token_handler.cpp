#include "registry/token/token_handler.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <functional>
#include <optional>

#include "kube/base64.h"
#include "kube/object.h"

namespace registry::token {

namespace {

// How much of a client's text (a service name) an error or a log line quotes.
constexpr std::size_t kQuotedLength = 64;

std::string quote(std::string_view text) {
  std::string out(text.substr(0, kQuotedLength));
  if (text.size() > kQuotedLength) out += "...";
  return "\"" + out + "\"";
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
               hexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

const std::map<std::string, std::string> kJson = {{"Content-Type", "application/json"}};

// The distribution registry's error document, so clients print the message.
TokenResponse errorResponse(int status, const std::string& code, const std::string& message) {
  TokenResponse response;
  response.status = status;
  response.headers = kJson;
  // The message may quote the client's bytes (a scope, a service), which need not be UTF-8, nor
  // stay UTF-8 once cut to a few dozen bytes: a strict dump would throw (and end the worker
  // thread, the process) where the client is owed a 400.
  response.body =
      kube::Json{{"errors", kube::Json::array({{{"code", code}, {"message", message}}})}}.dump(
          -1, ' ', false, kube::Json::error_handler_t::replace);
  return response;
}

TokenResponse unauthorized(const std::string& message) {
  auto response = errorResponse(401, "UNAUTHORIZED", message);
  response.headers["WWW-Authenticate"] = std::string("Basic realm=\"") + kBasicRealm + "\"";
  return response;
}

// "team-a/app/web" → {"team-a", "app/web"}; a name without a namespace → nullopt.
std::optional<std::pair<std::string, std::string>> splitRepository(const std::string& name) {
  auto slash = name.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == name.size()) return std::nullopt;
  return std::make_pair(name.substr(0, slash), name.substr(slash + 1));
}

bool isRepository(const Scope& scope) { return scope.type == "repository"; }

bool asksFor(const Scope& scope, const std::string& action) {
  return std::find(scope.actions.begin(), scope.actions.end(), action) != scope.actions.end();
}

// The decision about one scope: the granted actions, or an Error that ends the request.
using Decide = std::function<kube::Result<bool>(const RepositoryAttributes&)>;

kube::Result<std::vector<std::string>> grantedActions(const Scope& scope, const Decide& decide) {
  std::vector<std::string> granted;
  if (scope.type == "registry" && scope.name == "catalog") {
    if (!asksFor(scope, "*")) return granted;
    auto yes = decide({"", "", "list"});
    if (!yes) return yes.error();
    if (*yes) granted.push_back("*");
    return granted;
  }
  if (!isRepository(scope)) return granted;
  auto repository = splitRepository(scope.name);
  if (!repository) return granted;  // no namespace: nobody's, never granted
  const bool all = asksFor(scope, "*");
  static const std::vector<std::pair<std::string, std::string>> kVerbs = {
      {"pull", "get"}, {"push", "update"}, {"delete", "delete"}};
  for (const auto& [action, verb] : kVerbs) {
    if (!all && !asksFor(scope, action)) continue;
    auto yes = decide({repository->first, repository->second, verb});
    if (!yes) return yes.error();
    if (*yes) granted.push_back(action);
  }
  if (all && granted.size() == kVerbs.size()) granted = {"*"};
  return granted;
}

std::string logLine(const TokenRequest& request, const std::string& user, const std::string& asked,
                    const std::string& granted, int status, const std::string& problem = {}) {
  std::string line = "token request from " + request.remote_address + ": user " + user +
                     ", requested [" + asked + "], granted [" + granted + "], status " +
                     std::to_string(status);
  if (!problem.empty()) line += " (" + problem + ")";
  return line;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = std::min(query.find('&', start), query.size());
    std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      auto equals = pair.find('=');
      if (equals == std::string_view::npos) {
        pairs.emplace_back(percentDecode(pair), "");
      } else {
        pairs.emplace_back(percentDecode(pair.substr(0, equals)),
                           percentDecode(pair.substr(equals + 1)));
      }
    }
    start = end + 1;
  }
  return pairs;
}

std::optional<std::string> basicPassword(const std::string& authorization) {
  constexpr std::string_view kBasic = "basic ";
  if (authorization.size() <= kBasic.size()) return std::nullopt;
  for (std::size_t i = 0; i < kBasic.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kBasic[i]) {
      return std::nullopt;
    }
  }
  auto decoded = kube::base64Decode(std::string_view(authorization).substr(kBasic.size()));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return decoded->substr(colon + 1);
}

std::string rfc3339(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

TokenHandler::TokenHandler(TokenServiceOptions options, SignerPtr signer,
                           AccessReviewerPtr reviewer, runtime::ClockPtr clock)
    : options_(std::move(options)),
      signer_(std::move(signer)),
      reviewer_(std::move(reviewer)),
      clock_(std::move(clock)) {}

TokenResponse TokenHandler::handle(const TokenRequest& request) const {
  if (request.path == kHealthPath && (request.method == "GET" || request.method == "HEAD")) {
    return TokenResponse{200, {{"Content-Type", "text/plain"}}, "ok", {}};
  }
  // POST is OAuth2's password grant: answering 404 makes docker fall back to the GET of the
  // token spec, the one way in, so that there is one path to review.
  if (request.path != kRealmPath || request.method != "GET") {
    auto response = errorResponse(404, "NOT_FOUND", "not found");
    response.log_line = "request from " + request.remote_address + ": " +
                        request.method.substr(0, 16) + " " + quote(request.path) + ", status 404";
    return response;
  }

  std::vector<std::string> services, scope_values;
  for (auto& [name, value] : parseQuery(request.query)) {
    if (name == "service") services.push_back(std::move(value));
    if (name == "scope") scope_values.push_back(std::move(value));
  }
  const std::string who_unknown = "(unauthenticated)";
  auto fail = [&](TokenResponse response, const std::string& user, const std::string& asked,
                  const std::string& problem) {
    response.log_line = logLine(request, user, asked, "", response.status, problem);
    return response;
  };

  auto scopes = parseScopes(scope_values);
  if (!scopes) {
    return fail(errorResponse(400, "BAD_REQUEST", scopes.error().message()), who_unknown, "?",
                scopes.error().message());
  }
  const std::string asked = formatScopes(*scopes);
  if (services.size() != 1 || services.front() != options_.service) {
    std::string problem = services.empty()
                              ? "no service parameter"
                              : "service " + quote(services.front()) + " is not this registry's, " +
                                    quote(options_.service);
    if (services.size() > 1) problem = "more than one service parameter";
    return fail(errorResponse(400, "BAD_REQUEST", problem), who_unknown, asked, problem);
  }

  std::string user;
  std::vector<Scope> granted;
  if (request.authorization.empty()) {
    if (!options_.anonymous_pull) {
      return fail(unauthorized("authentication required: a Kubernetes token as the password"),
                  "anonymous", asked, "no credentials");
    }
    user = "anonymous";
    for (const auto& scope : *scopes) {
      if (isRepository(scope) && splitRepository(scope.name) &&
          (asksFor(scope, "pull") || asksFor(scope, "*"))) {
        granted.push_back(Scope{scope.type, scope.resource_class, scope.name, {"pull"}});
      }
    }
  } else {
    auto token = basicPassword(request.authorization);
    if (!token || token->empty()) {
      return fail(
          unauthorized("credentials must be HTTP Basic with a Kubernetes token as the password"),
          who_unknown, asked, "not Basic credentials with a password");
    }
    auto name = reviewer_->username(*token);
    if (!name) {
      if (name.error().is(kube::ErrorKind::Unauthorized)) {
        return fail(unauthorized("the token is not valid (expired, revoked or unknown)"),
                    who_unknown, asked, "the API server refused the token");
      }
      return fail(errorResponse(503, "UNAVAILABLE", "cannot check the credentials now"),
                  who_unknown, asked, name.error().describe());
    }
    user = *name;
    Decide decide = [&](const RepositoryAttributes& attributes) {
      return reviewer_->allowed(*token, attributes);
    };
    for (const auto& scope : *scopes) {
      auto actions = grantedActions(scope, decide);
      if (!actions) {
        if (actions.error().is(kube::ErrorKind::Unauthorized)) {
          return fail(unauthorized("the token is not valid (expired, revoked or unknown)"), user,
                      asked, "the API server refused the token");
        }
        return fail(errorResponse(503, "UNAVAILABLE", "cannot check the permissions now"), user,
                    asked, actions.error().describe());
      }
      if (!actions->empty()) {
        granted.push_back(Scope{scope.type, scope.resource_class, scope.name, *actions});
      }
    }
  }

  // An anonymous token's subject is empty, as the token spec has it.
  const bool anonymous = request.authorization.empty();
  auto minted = signer_->mint(anonymous ? "" : user, granted, clock_->wallNow());
  if (!minted) {
    return fail(errorResponse(500, "INTERNAL", "cannot sign the token"), user, asked,
                minted.error().message());
  }
  TokenResponse response;
  response.status = 200;
  response.headers = kJson;
  // A bearer token is a credential: no cache along the way may keep it.
  response.headers["Cache-Control"] = "no-store";
  response.body = kube::Json{{"token", minted->token},
                             {"access_token", minted->token},
                             {"expires_in", minted->expires_in.count()},
                             {"issued_at", rfc3339(minted->issued_at)}}
                      .dump();
  response.log_line = logLine(request, user, asked, formatScopes(granted), 200);
  return response;
}

}  // namespace registry::token

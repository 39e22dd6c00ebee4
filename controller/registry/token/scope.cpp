#include "registry/token/scope.h"

#include <algorithm>

namespace registry::token {

namespace {

// How much of a bad scope an error quotes: enough to recognise it, not an echo of a whole URL.
constexpr std::size_t kQuotedScopeLength = 64;
// distribution's limit on a repository name is 255 characters; anything longer is not a name.
constexpr std::size_t kMaxNameLength = 255;

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return isLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

bool allOf(std::string_view text, bool (*allowed)(char)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), allowed);
}

// Characters of repository names (reference grammar: lowercase alphanumerics and the separators
// '.', '_', '-', with '/' between components). Upper case is let through the grammar check: such
// a name matches no repository the registry accepts, so it is simply not granted.
bool isNameChar(char c) { return isAlnum(c) || c == '.' || c == '_' || c == '-' || c == '/'; }
bool isActionChar(char c) { return isAlnum(c) || c == '*' || c == '_' || c == '-'; }

kube::Error badScope(std::string_view text, std::string_view why) {
  std::string quoted(text.substr(0, kQuotedScopeLength));
  if (text.size() > kQuotedScopeLength) quoted += "...";
  return kube::Error(kube::ErrorKind::BadRequest,
                     "invalid scope \"" + quoted + "\": " + std::string(why), 400);
}

}  // namespace

kube::Result<Scope> parseScope(std::string_view text) {
  auto first = text.find(':');
  auto last = text.rfind(':');
  if (first == std::string_view::npos || first == last) {
    return badScope(text, "expected type:name:actions");
  }
  Scope scope;
  std::string_view type = text.substr(0, first);
  std::string_view name = text.substr(first + 1, last - first - 1);
  std::string_view actions = text.substr(last + 1);
  if (auto open = type.find('('); open != std::string_view::npos) {
    if (type.back() != ')') return badScope(text, "a resource class must end with ')'");
    scope.resource_class = std::string(type.substr(open + 1, type.size() - open - 2));
    type = type.substr(0, open);
    if (!allOf(scope.resource_class, isAlnum)) {
      return badScope(text, "a resource class is letters and digits");
    }
  }
  if (!allOf(type, isLowerAlnum)) return badScope(text, "the type is lowercase letters and digits");
  if (name.find(':') != std::string_view::npos) {
    return badScope(text, "a resource name holds no ':'");
  }
  if (name.size() > kMaxNameLength || !allOf(name, isNameChar)) {
    return badScope(text, "the name is not a repository name");
  }
  scope.type = std::string(type);
  scope.name = std::string(name);
  std::size_t start = 0;
  while (start <= actions.size()) {
    auto end = std::min(actions.find(',', start), actions.size());
    std::string_view action = actions.substr(start, end - start);
    if (!allOf(action, isActionChar)) return badScope(text, "an action is empty or malformed");
    if (std::find(scope.actions.begin(), scope.actions.end(), action) == scope.actions.end()) {
      scope.actions.emplace_back(action);
    }
    start = end + 1;
  }
  return scope;
}

kube::Result<std::vector<Scope>> parseScopes(const std::vector<std::string>& values) {
  std::vector<Scope> scopes;
  for (const auto& value : values) {
    std::string_view rest = value;
    while (!rest.empty()) {
      auto space = rest.find(' ');
      std::string_view text = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
      if (text.empty()) continue;  // "a  b", a trailing space
      auto scope = parseScope(text);
      if (!scope) return scope.error();
      auto same = std::find_if(scopes.begin(), scopes.end(), [&](const Scope& known) {
        return known.type == scope->type && known.resource_class == scope->resource_class &&
               known.name == scope->name;
      });
      if (same == scopes.end()) {
        if (scopes.size() == kMaxScopes) {
          return kube::Error(kube::ErrorKind::BadRequest,
                             "too many scopes (at most " + std::to_string(kMaxScopes) + ")", 400);
        }
        scopes.push_back(std::move(*scope));
        continue;
      }
      for (auto& action : scope->actions) {
        if (std::find(same->actions.begin(), same->actions.end(), action) == same->actions.end()) {
          same->actions.push_back(std::move(action));
        }
      }
    }
  }
  return scopes;
}

std::string formatScope(const Scope& scope) {
  std::string text = scope.type;
  if (!scope.resource_class.empty()) text += "(" + scope.resource_class + ")";
  text += ":" + scope.name + ":";
  for (std::size_t i = 0; i < scope.actions.size(); ++i) {
    if (i > 0) text += ",";
    text += scope.actions[i];
  }
  return text;
}

std::string formatScopes(const std::vector<Scope>& scopes) {
  if (scopes.empty()) return "-";
  std::string text;
  for (const auto& scope : scopes) {
    if (!text.empty()) text += " ";
    text += formatScope(scope);
  }
  return text;
}

}  // namespace registry::token

#pragma once

// An in-memory Kubernetes API server behind kube::HttpTransport, for unit tests of the runtime
// and of the reconcilers above it: enough of the REST semantics (create/get/list/replace with
// resourceVersion preconditions, merge patch, server-side apply, the status subresource, delete
// with preconditions, label selectors, watch with resume, bookmarks and 410 after compaction)
// that the real kube::Client and kube::Api run unchanged on top of it. Tests can also inject
// failures and look at every request.
//
// Server-side apply (PATCH with Content-Type application/apply-patch+yaml) is modelled for what
// a single controller relies on, not in full:
// - An apply creates a missing object (201); a status apply of a missing object is 404.
// - The fake keeps, per object, field manager and subresource, the configuration last applied:
//   the fields that manager owns. An apply sets every field it names (objects merge key by key;
//   scalars and lists replace whole: every list is atomic here, none merges by key) and removes
//   the fields that the same manager applied before and no longer applies, unless another
//   manager's applied configuration still names them (empty objects this leaves are removed).
// - A write that is not an apply (update, merge patch, put()) takes the fields whose value it
//   changes or removes away from the appliers, so an apply that later drops them leaves them be.
// - Conflicts are not modelled: every apply behaves as forced (the operator always forces).
// - An apply to the main resource ignores `status`; one to the status subresource changes only
//   `status`. Server-set metadata in an applied object (uid, resourceVersion, ...) is ignored,
//   except that a resourceVersion must match (409 otherwise).
// - An apply or merge patch that changes nothing writes nothing: same resourceVersion, no event.
// - Merge patch (application/merge-patch+json) is JSON merge patch on the stored object (404
//   when missing); on the status subresource it changes only `status`, as does an update (PUT)
//   of the status subresource. Strategic merge patch is refused with 415, as the API server
//   does for custom resources; JSON patch is not modelled and refused the same way.
// - Defaulting, validation, metadata.generation and managedFields are not modelled; a test
//   that needs a refusal (422 Invalid) injects it with a Fault.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/http.h"
#include "kube/object.h"
#include "kube/yaml_json.h"

namespace testsupport {

using kube::Json;

inline constexpr const char* kApplyPatch = "application/apply-patch+yaml";
inline constexpr const char* kMergePatch = "application/merge-patch+json";

inline std::string queryParam(const std::string& target, const std::string& name) {
  const auto q = target.find('?');
  if (q == std::string::npos) return {};
  std::stringstream query(target.substr(q + 1));
  std::string pair;
  while (std::getline(query, pair, '&')) {
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    std::string decoded;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '%' && i + 2 < value.size()) {
        decoded += static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        decoded += value[i];
      }
    }
    return decoded;
  }
  return {};
}

inline std::string pathOf(const std::string& target) { return target.substr(0, target.find('?')); }

// A request's Content-Type, lower-cased and without parameters ("; charset=utf-8").
inline std::string contentTypeOf(const kube::HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != "content-type") continue;
    std::string type = value.substr(0, value.find(';'));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return type;
  }
  return {};
}

// Field paths and the bookkeeping of applied configurations (see the top of this file).
namespace fields {

using Path = std::vector<std::string>;

inline void collectLeaves(const Json& value, Path& prefix, std::vector<Path>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, child] : value.items()) {
      prefix.push_back(key);
      collectLeaves(child, prefix, out);
      prefix.pop_back();
    }
  } else if (!prefix.empty()) {
    out.push_back(prefix);
  }
}

// The fields an applied configuration sets: scalars, lists (atomic) and empty objects.
inline std::vector<Path> leaves(const Json& value) {
  Path prefix;
  std::vector<Path> out;
  collectLeaves(value, prefix, out);
  return out;
}

inline const Json* find(const Json& value, const Path& path) {
  const Json* at = &value;
  for (const auto& key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

// Removes the value at `path`, then every object on the way that this left empty unless `keep`
// has it (the configuration being applied names it).
inline void erase(Json& value, const Path& path, const Json& keep) {
  if (path.empty()) return;
  std::vector<Json*> chain{&value};  // chain[i]: the object at the first i keys of path
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    Json* parent = chain.back();
    if (!parent->is_object()) return;
    auto it = parent->find(path[i]);
    if (it == parent->end()) return;
    chain.push_back(&*it);
  }
  if (!chain.back()->is_object()) return;
  chain.back()->erase(path.back());
  for (std::size_t depth = path.size() - 1; depth > 0; --depth) {
    const Json& node = *chain[depth];
    if (!node.is_object() || !node.empty() || find(keep, Path(path.begin(), path.begin() + depth)))
      break;
    chain[depth - 1]->erase(path[depth - 1]);
  }
}

// Sets every field of `intent` in `live`: objects merge key by key, scalars and lists replace,
// null removes.
inline void merge(Json& live, const Json& intent) {
  for (const auto& [key, value] : intent.items()) {
    if (value.is_null()) {
      live.erase(key);
    } else if (value.is_object() && live.contains(key) && live[key].is_object()) {
      merge(live[key], value);
    } else {
      live[key] = value;
    }
  }
}

// Drops from an applied configuration the fields `object` no longer has with the applied value
// (an empty object stays owned while there is an object there).
inline void disown(Json& config, const Json& object) {
  for (const auto& path : leaves(config)) {
    const Json* now = find(object, path);
    const Json* applied = find(config, path);
    const bool same =
        now != nullptr && (applied->is_object() ? now->is_object() : *now == *applied);
    if (!same) erase(config, path, Json::object());
  }
}

// What an apply to the main resource sets: the object without its identity (apiVersion, kind,
// name, namespace), without status and without what only the server sets.
inline Json mainIntent(const Json& applied) {
  Json intent = applied;
  intent.erase("apiVersion");
  intent.erase("kind");
  intent.erase("status");
  if (intent.contains("metadata") && intent["metadata"].is_object()) {
    for (const char* key : {"name", "namespace", "uid", "resourceVersion", "generation",
                            "creationTimestamp", "deletionTimestamp", "managedFields", "selfLink"})
      intent["metadata"].erase(key);
    if (intent["metadata"].empty()) intent.erase("metadata");
  }
  return intent;
}

}  // namespace fields

inline kube::HttpResponse statusResponse(int code, const std::string& reason,
                                         const std::string& message) {
  kube::HttpResponse response;
  response.status = code;
  response.body = Json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                       {"reason", reason}, {"message", message}, {"code", code}}
                      .dump();
  return response;
}

class FakeApiServer : public kube::HttpTransport {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::string body;
    std::string content_type;    // lower-cased, without parameters; "" when none
    int status = 0;              // the answer's HTTP status; 0 for a transport error
    bool metadata_only = false;  // asked for PartialObjectMetadata (kube::Api::metadataOnly)
  };
  // A failure to inject: the next `count` requests whose method, path and content type match
  // fail with `status` (0 = a transport error, as if the server were down), with the reason the
  // API server gives for that code (422: Invalid, 409: Conflict, ...).
  struct Fault {
    Fault(std::string method_, std::string path_contains_, int status_ = 500, int count_ = 1,
          std::string retry_after_ = {}, std::string content_type_ = {})
        : method(std::move(method_)),
          path_contains(std::move(path_contains_)),
          status(status_),
          count(count_),
          retry_after(std::move(retry_after_)),
          content_type(std::move(content_type_)) {}

    std::string method;  // "" matches any; "WATCH" matches watch requests
    std::string path_contains;
    int status;
    int count;
    std::string retry_after;   // a Retry-After header value, if any
    std::string content_type;  // "" matches any; kApplyPatch matches only applies
  };

  kube::Result<kube::HttpResponse> send(const kube::HttpRequest& request) override {
    std::unique_lock lock(mutex_);
    const std::string content_type = contentTypeOf(request);
    requests_.push_back(
        {request.method, request.target, request.body, content_type, 0, asksForMetadata(request)});
    const std::size_t index = requests_.size() - 1;
    if (auto limit = takeHoldLocked(request.method, request.target)) {
      lock.unlock();
      return holdUntilCancelled(request, *limit);
    }
    auto fault = takeFaultLocked(request.method, request.target, content_type);
    kube::Result<kube::HttpResponse> response =
        fault ? std::move(*fault) : kube::Result<kube::HttpResponse>(handleLocked(request));
    requests_[index].status = response ? response->status : 0;
    return response;
  }

  kube::Result<kube::HttpResponse> stream(const kube::HttpRequest& request,
                                          const kube::LineSink& on_line,
                                          const kube::CancelToken& cancel) override {
    // Subscribed before taking mutex_: on an already-cancelled token onCancel runs the
    // callback at once, and the callback takes mutex_ (so that its wake-up cannot be lost).
    const auto id = cancel.onCancel([this] {
      std::lock_guard guard(mutex_);
      changed_.notify_all();
    });
    struct Unsubscribe {
      const kube::CancelToken& token;
      std::size_t id;
      ~Unsubscribe() { token.unsubscribe(id); }
    } unsubscribe{cancel, id};
    std::unique_lock lock(mutex_);
    const bool metadata_only = asksForMetadata(request);
    requests_.push_back({"WATCH", request.target, {}, {}, 200, metadata_only});
    if (auto fault = takeFaultLocked("WATCH", request.target, {})) {
      requests_.back().status = *fault ? (*fault)->status : 0;
      return *fault;
    }
    const auto loc = locate(pathOf(request.target));
    const auto since = queryParam(request.target, "resourceVersion");
    long long from = since.empty() ? rv_ : std::stoll(since);
    if (from < compacted_rv_) {
      // The real server answers 200 and then one ERROR event.
      kube::HttpResponse ok;
      ok.status = 200;
      const std::string line =
          Json{{"type", "ERROR"},
               {"object",
                Json::parse(statusResponse(410, "Expired", "too old resource version").body)}}
              .dump();
      lock.unlock();
      on_line(line);
      return ok;
    }
    const auto selector = queryParam(request.target, "labelSelector");
    const bool bookmarks = queryParam(request.target, "allowWatchBookmarks") == "true";
    const long long generation = close_generation_;
    ++open_watches_;
    changed_.notify_all();
    std::size_t next = 0;
    kube::HttpResponse ok;
    ok.status = 200;
    bool keep_going = true;
    while (keep_going) {
      // Events after `from` in this collection.
      std::vector<std::string> lines;
      for (; next < history_.size(); ++next) {
        const auto& entry = history_[next];
        if (entry.rv <= from || entry.collection != loc.collection) continue;
        if (entry.type == "BOOKMARK") {
          if (!bookmarks) continue;
        } else if ((!loc.ns.empty() && kube::namespaceOf(entry.object) != loc.ns) ||
                   !matchesSelector(entry.object, selector)) {
          continue;
        }
        lines.push_back(Json{{"type", entry.type},
                             {"object", metadata_only ? metadataOf(entry.object) : entry.object}}
                            .dump());
      }
      for (; next_raw_ < raw_lines_.size(); ++next_raw_) lines.push_back(raw_lines_[next_raw_]);
      if (!lines.empty()) {
        lock.unlock();
        for (const auto& line : lines) {
          if (!on_line(line)) {
            keep_going = false;
            break;
          }
        }
        lock.lock();
        continue;
      }
      if (cancel.cancelled() || close_generation_ != generation || auto_close_) break;
      changed_.wait(lock);
    }
    --open_watches_;
    return ok;
  }

  // --- test controls -----------------------------------------------------------------------

  // Stores an object directly (as if another client created or updated it), emitting a watch
  // event. Returns the stored object.
  Json put(const std::string& collection, Json object) {
    std::lock_guard guard(mutex_);
    auto stored = storeLocked(collection, std::move(object));
    disownLocked(collection, kube::keyOf(stored), stored);
    changed_.notify_all();
    return stored;
  }
  void erase(const std::string& collection, const std::string& key) {
    std::lock_guard guard(mutex_);
    eraseLocked(collection, key);
    changed_.notify_all();
  }
  void bookmark(const std::string& collection) {
    std::lock_guard guard(mutex_);
    ++rv_;
    history_.push_back({rv_, collection, "BOOKMARK",
                        Json{{"metadata", {{"resourceVersion", std::to_string(rv_)}}}}});
    changed_.notify_all();
  }
  // Delivers an arbitrary line (e.g. a truncated one) on the open watches.
  void rawLine(std::string line) {
    std::lock_guard guard(mutex_);
    raw_lines_.push_back(std::move(line));
    changed_.notify_all();
  }
  // Forgets history up to now: watches from an older resourceVersion get 410 Gone.
  void compact() {
    std::lock_guard guard(mutex_);
    compacted_rv_ = rv_;
  }
  // Ends every open watch, as a server does at its timeout.
  void closeWatches() {
    std::lock_guard guard(mutex_);
    ++close_generation_;
    changed_.notify_all();
  }
  // Makes every watch end as soon as it has delivered what is pending (a server timing out at
  // once), so a test can step a watcher on its own thread without blocking.
  void setAutoClose(bool on) {
    std::lock_guard guard(mutex_);
    auto_close_ = on;
  }
  void fault(Fault fault) {
    std::lock_guard guard(mutex_);
    faults_.push_back(std::move(fault));
  }
  // A server that hangs: the next `count` unary requests whose method and path match (as for
  // faults) get no answer until their cancel token fires, and then fail as Cancelled. One
  // without a token, or still held after `limit`, fails as a transport error instead, so that a
  // test whose token never arrives fails rather than hangs.
  void hold(std::string method, std::string path_contains, int count = 1,
            std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::lock_guard guard(mutex_);
    holds_.push_back({std::move(method), std::move(path_contains), count, limit});
  }
  // Requests being held right now.
  int heldRequests() const {
    std::lock_guard guard(mutex_);
    return held_;
  }
  // Every object of a collection ("/apis/apps/v1/deployments"), ordered by key.
  std::vector<Json> objects(const std::string& collection) const {
    std::lock_guard guard(mutex_);
    std::vector<Json> out;
    auto c = objects_.find(collection);
    if (c == objects_.end()) return out;
    for (const auto& [key, object] : c->second) out.push_back(object);
    return out;
  }
  // The fields `manager` owns in an object by applying (to the main resource, or to
  // `subresource`), as this fake tracks them: nullopt when it never applied there.
  std::optional<Json> appliedBy(const std::string& collection, const std::string& key,
                                const std::string& manager,
                                const std::string& subresource = {}) const {
    std::lock_guard guard(mutex_);
    auto c = managed_.find(collection);
    if (c == managed_.end()) return std::nullopt;
    auto o = c->second.find(key);
    if (o == c->second.end()) return std::nullopt;
    auto it = o->second.find({manager, subresource});
    if (it == o->second.end()) return std::nullopt;
    return it->second;
  }
  std::optional<Json> object(const std::string& collection, const std::string& key) const {
    std::lock_guard guard(mutex_);
    auto c = objects_.find(collection);
    if (c == objects_.end()) return std::nullopt;
    auto it = c->second.find(key);
    if (it == c->second.end()) return std::nullopt;
    return it->second;
  }
  std::vector<Request> requests() const {
    std::lock_guard guard(mutex_);
    return requests_;
  }
  void clearRequests() {
    std::lock_guard guard(mutex_);
    requests_.clear();
  }
  int openWatches() const {
    std::lock_guard guard(mutex_);
    return open_watches_;
  }
  // Waits (real time, bounded) until `predicate` holds; the fake's state changes on other threads.
  bool waitFor(const std::function<bool()>& predicate,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    while (true) {
      lock.unlock();
      if (predicate()) return true;
      lock.lock();
      if (std::chrono::steady_clock::now() >= deadline) return false;
      changed_.wait_for(lock, std::chrono::milliseconds(5));
    }
  }

  // `max_throttled_retries` 0: a scripted 429 reaches the code under test, which is what tests
  // of throttling look at (the client's own retries are tested in client_throttled_test.cpp).
  static std::shared_ptr<kube::Client> clientFor(std::shared_ptr<FakeApiServer> server) {
    kube::ClusterConfig config;
    config.server = "https://fake.invalid";
    config.max_throttled_retries = 0;
    return std::make_shared<kube::Client>(config, std::move(server));
  }

 private:
  struct Location {
    std::string collection;  // "/api/v1/configmaps": the group/version path + plural
    std::string ns;
    std::string name;
    std::string subresource;
  };
  struct Event {
    long long rv;
    std::string collection;
    std::string type;
    Json object;
  };

  static std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> parts;
    std::stringstream stream(path);
    std::string part;
    while (std::getline(stream, part, '/')) {
      if (!part.empty()) parts.push_back(part);
    }
    return parts;
  }

  static Location locate(const std::string& path) {
    const auto parts = split(path);
    const std::size_t prefix = !parts.empty() && parts[0] == "apis" ? 3 : 2;
    std::string gv;
    for (std::size_t i = 0; i < prefix && i < parts.size(); ++i) gv += "/" + parts[i];
    std::vector<std::string> rest(parts.begin() + std::min(prefix, parts.size()), parts.end());
    Location loc;
    if (rest.size() >= 3 && rest[0] == "namespaces") {
      loc.ns = rest[1];
      rest.erase(rest.begin(), rest.begin() + 2);
    }
    if (!rest.empty()) loc.collection = gv + "/" + rest[0];
    if (rest.size() >= 2) loc.name = rest[1];
    if (rest.size() >= 3) loc.subresource = rest[2];
    return loc;
  }

  static std::string reasonFor(int status) {
    switch (status) {
      case 400:
        return "BadRequest";
      case 403:
        return "Forbidden";
      case 404:
        return "NotFound";
      case 409:
        return "Conflict";
      case 410:
        return "Expired";
      case 415:
        return "UnsupportedMediaType";
      case 422:
        return "Invalid";
      case 429:
        return "TooManyRequests";
      case 503:
        return "ServiceUnavailable";
      default:
        return "InternalError";
    }
  }

  // What a client asking for PartialObjectMetadata gets: the metadata and nothing else.
  static bool asksForMetadata(const kube::HttpRequest& request) {
    auto accept = request.headers.find("Accept");
    return accept != request.headers.end() &&
           accept->second.find("as=PartialObjectMetadata") != std::string::npos;
  }
  static Json metadataOf(const Json& object) {
    return {{"apiVersion", "meta.k8s.io/v1"},
            {"kind", "PartialObjectMetadata"},
            {"metadata", kube::at(object, "/metadata", Json::object())}};
  }

  // Equality-based selectors: "k", "k=v" and "k!=v" (absent labels match "k!=v"), joined by ",".
  static bool matchesSelector(const Json& object, const std::string& selector) {
    if (selector.empty()) return true;
    std::stringstream terms(selector);
    std::string term;
    while (std::getline(terms, term, ',')) {
      const auto eq = term.find('=');
      const bool negated = eq != std::string::npos && eq > 0 && term[eq - 1] == '!';
      const auto key_end = negated ? eq - 1 : eq;
      // A label key is one JSON pointer token: "app.kubernetes.io/name" → "...io~1name".
      std::string token;
      for (char c : term.substr(0, key_end))
        token += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
      const auto& value = kube::at(object, "/metadata/labels/" + token);
      if (eq == std::string::npos) {
        if (value.is_null()) return false;
        continue;
      }
      const bool equal = value.is_string() && value.get<std::string>() == term.substr(eq + 1);
      if (equal == negated) return false;
    }
    return true;
  }

  struct Hold {
    std::string method;
    std::string path_contains;
    int count;
    std::chrono::milliseconds limit;
  };

  std::optional<std::chrono::milliseconds> takeHoldLocked(const std::string& method,
                                                          const std::string& target) {
    for (auto it = holds_.begin(); it != holds_.end(); ++it) {
      if ((!it->method.empty() && it->method != method) ||
          target.find(it->path_contains) == std::string::npos) {
        continue;
      }
      const auto limit = it->limit;
      if (--it->count <= 0) holds_.erase(it);
      return limit;
    }
    return std::nullopt;
  }

  // Called without mutex_ held: on an already-cancelled token onCancel runs the callback at
  // once, and the callback takes mutex_ (so that its wake-up cannot be lost).
  kube::Result<kube::HttpResponse> holdUntilCancelled(const kube::HttpRequest& request,
                                                      std::chrono::milliseconds limit) {
    std::size_t id = 0;
    if (request.cancel) {
      id = request.cancel->onCancel([this] {
        std::lock_guard guard(mutex_);
        changed_.notify_all();
      });
    }
    std::unique_lock lock(mutex_);
    ++held_;
    changed_.notify_all();
    const bool cancelled = changed_.wait_for(
        lock, limit, [&] { return request.cancel && request.cancel->cancelled(); });
    --held_;
    changed_.notify_all();
    lock.unlock();
    if (request.cancel) request.cancel->unsubscribe(id);
    if (cancelled) return kube::Error(kube::ErrorKind::Cancelled, "held request cancelled");
    return kube::Error(kube::ErrorKind::Transport, "held request was never cancelled");
  }

  std::optional<kube::Result<kube::HttpResponse>> takeFaultLocked(const std::string& method,
                                                                  const std::string& target,
                                                                  const std::string& content_type) {
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      const bool method_ok = it->method.empty() || it->method == method;
      const bool type_ok = it->content_type.empty() || it->content_type == content_type;
      if (!method_ok || !type_ok || target.find(it->path_contains) == std::string::npos) continue;
      const int status = it->status;
      const std::string retry_after = it->retry_after;
      if (--it->count <= 0) faults_.erase(it);
      if (status == 0) {
        return kube::Result<kube::HttpResponse>(
            kube::Error(kube::ErrorKind::Transport, "injected: connection refused"));
      }
      auto response = statusResponse(status, reasonFor(status), "injected");
      if (!retry_after.empty()) response.headers["retry-after"] = retry_after;
      return kube::Result<kube::HttpResponse>(response);
    }
    return std::nullopt;
  }

  Json storeLocked(const std::string& collection, Json object) {
    ++rv_;
    auto& meta = object["metadata"];
    if (!meta.contains("uid")) meta["uid"] = "uid-" + std::to_string(++uid_);
    meta["resourceVersion"] = std::to_string(rv_);
    const auto key = kube::keyOf(object);
    auto& bucket = objects_[collection];
    const bool existed = bucket.count(key) > 0;
    bucket[key] = object;
    history_.push_back({rv_, collection, existed ? "MODIFIED" : "ADDED", object});
    return object;
  }

  void eraseLocked(const std::string& collection, const std::string& key) {
    auto& bucket = objects_[collection];
    auto it = bucket.find(key);
    if (it == bucket.end()) return;
    ++rv_;
    Json object = it->second;
    object["metadata"]["resourceVersion"] = std::to_string(rv_);
    bucket.erase(it);
    managed_[collection].erase(key);
    history_.push_back({rv_, collection, "DELETED", object});
  }

  using Managers = std::map<std::pair<std::string, std::string>, Json>;  // (manager, subresource)

  // After a write that is not `except`'s apply: the appliers lose the fields it changed.
  void disownLocked(const std::string& collection, const std::string& key, const Json& object,
                    const std::pair<std::string, std::string>& except = {}) {
    auto c = managed_.find(collection);
    if (c == managed_.end()) return;
    auto o = c->second.find(key);
    if (o == c->second.end()) return;
    for (auto& [owner, config] : o->second) {
      if (owner != except) fields::disown(config, object);
    }
  }

  // Server-side apply, as modelled at the top of this file.
  kube::HttpResponse applyLocked(const kube::HttpRequest& request, const Location& loc,
                                 const std::string& key) {
    const std::string manager = queryParam(request.target, "fieldManager");
    if (manager.empty()) {
      return statusResponse(400, "BadRequest", "fieldManager is required for apply requests");
    }
    Json applied = Json::parse(request.body, nullptr, false);
    if (applied.is_discarded()) {
      auto yaml = kube::yamlToJson(request.body);
      applied = yaml ? *yaml : Json();
    }
    if (!applied.is_object()) return statusResponse(400, "BadRequest", "not an object");
    if (!applied.contains("apiVersion") || !applied.contains("kind")) {
      return statusResponse(400, "BadRequest", "apiVersion and kind must be set");
    }
    if (kube::name(applied) != loc.name) {
      return statusResponse(400, "BadRequest",
                            "the name of the object (" + kube::name(applied) +
                                ") does not match the name on the URL (" + loc.name + ")");
    }
    const std::string body_ns = kube::namespaceOf(applied);
    if (!body_ns.empty() && body_ns != loc.ns) {
      return statusResponse(400, "BadRequest", "the namespace of the object does not match");
    }
    const bool dry_run = !queryParam(request.target, "dryRun").empty();
    const std::string subresource = loc.subresource;
    if (!subresource.empty() && subresource != "status") {
      return statusResponse(404, "NotFound", "no subresource " + subresource);
    }
    const Json intent = subresource == "status"
                            ? Json{{"status", applied.value("status", Json::object())}}
                            : fields::mainIntent(applied);
    const std::pair<std::string, std::string> owner{manager, subresource};
    auto& bucket = objects_[loc.collection];
    auto it = bucket.find(key);
    if (it == bucket.end()) {
      if (!subresource.empty()) {
        return statusResponse(404, "NotFound", loc.collection + " \"" + loc.name + "\" not found");
      }
      Json object = {{"apiVersion", applied["apiVersion"]},
                     {"kind", applied["kind"]},
                     {"metadata", {{"name", loc.name}}}};
      if (!loc.ns.empty()) object["metadata"]["namespace"] = loc.ns;
      fields::merge(object, intent);
      if (dry_run) return okResponse(object, 201);
      auto stored = storeLocked(loc.collection, std::move(object));
      managed_[loc.collection][key] = Managers{{owner, intent}};
      changed_.notify_all();
      return okResponse(stored, 201);
    }
    const std::string precondition = kube::resourceVersion(applied);
    if (!precondition.empty() && precondition != kube::resourceVersion(it->second)) {
      return statusResponse(409, "Conflict", "the object has been modified");
    }
    Managers managers = managed_[loc.collection][key];
    Json object = it->second;
    auto previous = managers.find(owner);
    if (previous != managers.end()) {
      for (const auto& path : fields::leaves(previous->second)) {
        if (fields::find(intent, path)) continue;
        bool kept = false;  // another applier still names the field
        for (const auto& [other, config] : managers) {
          if (other != owner && fields::find(config, path)) kept = true;
        }
        if (!kept) fields::erase(object, path, intent);
      }
    }
    fields::merge(object, intent);
    const bool same_config = previous != managers.end() && previous->second == intent;
    if (object == it->second && same_config) return okResponse(it->second);
    if (dry_run) return okResponse(object);
    managers[owner] = intent;
    auto stored = storeLocked(loc.collection, std::move(object));
    managed_[loc.collection][key] = std::move(managers);
    // Forced: fields this apply changed are no longer another applier's.
    disownLocked(loc.collection, key, stored, owner);
    changed_.notify_all();
    return okResponse(stored);
  }

  static kube::HttpResponse okResponse(const Json& body, int status = 200) {
    kube::HttpResponse response;
    response.status = status;
    response.body = body.dump();
    return response;
  }

  kube::HttpResponse handleLocked(const kube::HttpRequest& request) {
    const auto loc = locate(pathOf(request.target));
    const auto key = loc.ns.empty() ? loc.name : loc.ns + "/" + loc.name;
    auto& bucket = objects_[loc.collection];
    const auto notFound = [&] {
      return statusResponse(404, "NotFound", loc.collection + " \"" + loc.name + "\" not found");
    };
    if (request.method == "GET" && loc.name.empty()) {
      Json items = Json::array();
      const auto selector = queryParam(request.target, "labelSelector");
      for (const auto& [k, object] : bucket) {
        if (!loc.ns.empty() && kube::namespaceOf(object) != loc.ns) continue;
        if (matchesSelector(object, selector))
          items.push_back(asksForMetadata(request) ? metadataOf(object) : object);
      }
      // Paging: `limit` items per page, the continue token is the next index.
      const auto limit_text = queryParam(request.target, "limit");
      const auto continue_text = queryParam(request.target, "continue");
      const std::size_t start = continue_text.empty() ? 0 : std::stoul(continue_text);
      const std::size_t limit = limit_text.empty() ? items.size() : std::stoul(limit_text);
      Json page = Json::array();
      for (std::size_t i = start; i < items.size() && i < start + limit; ++i) {
        Json item = items[i];
        item.erase("apiVersion");  // list items come without them from a real server
        item.erase("kind");
        page.push_back(item);
      }
      Json metadata = {{"resourceVersion", std::to_string(rv_)}};
      if (start + limit < items.size()) metadata["continue"] = std::to_string(start + limit);
      return okResponse({{"kind", "List"}, {"metadata", metadata}, {"items", page}});
    }
    if (request.method == "GET") {
      auto it = bucket.find(key);
      return it == bucket.end() ? notFound() : okResponse(it->second);
    }
    const auto body = Json::parse(request.body, nullptr, false);
    if (request.method == "POST") {
      if (body.is_discarded()) return statusResponse(400, "BadRequest", "bad body");
      Json object = body;
      if (!loc.ns.empty()) object["metadata"]["namespace"] = loc.ns;
      const auto new_key = kube::keyOf(object);
      if (bucket.count(new_key)) {
        return statusResponse(409, "AlreadyExists",
                              "\"" + kube::name(object) + "\" already exists");
      }
      auto stored = storeLocked(loc.collection, std::move(object));
      changed_.notify_all();
      return okResponse(stored, 201);
    }
    if (request.method == "PUT") {
      auto it = bucket.find(key);
      if (it == bucket.end()) return notFound();
      const auto wanted = kube::resourceVersion(body);
      if (!wanted.empty() && wanted != kube::resourceVersion(it->second)) {
        return statusResponse(409, "Conflict", "the object has been modified");
      }
      Json object = body;
      if (loc.subresource == "status") {
        // The status subresource takes only status from the body.
        object = it->second;
        object["status"] = body.value("status", Json::object());
      }
      object["metadata"]["uid"] = kube::uid(it->second);
      auto stored = storeLocked(loc.collection, std::move(object));
      disownLocked(loc.collection, key, stored);
      changed_.notify_all();
      return okResponse(stored);
    }
    if (request.method == "PATCH") {
      const std::string type = contentTypeOf(request);
      if (type == kApplyPatch) return applyLocked(request, loc, key);
      if (type != kMergePatch) {
        return statusResponse(415, "UnsupportedMediaType",
                              "the body of the request was in an unknown format - accepted media "
                              "types include: application/merge-patch+json, "
                              "application/apply-patch+yaml");
      }
      if (!body.is_object()) return statusResponse(400, "BadRequest", "bad body");
      auto it = bucket.find(key);
      if (it == bucket.end()) return notFound();
      Json object = it->second;
      if (loc.subresource == "status") {
        Json patched = object;
        patched.merge_patch(body);
        if (patched.contains("status")) {
          object["status"] = patched["status"];
        } else {
          object.erase("status");
        }
      } else {
        object.merge_patch(body);
      }
      if (object == it->second) return okResponse(it->second);
      auto stored = storeLocked(loc.collection, std::move(object));
      disownLocked(loc.collection, key, stored);
      changed_.notify_all();
      return okResponse(stored);
    }
    if (request.method == "DELETE") {
      auto it = bucket.find(key);
      if (it == bucket.end()) return notFound();
      for (const char* field : {"uid", "resourceVersion"}) {
        const Json& wanted =
            body.is_object() ? kube::at(body, std::string("/preconditions/") + field) : Json();
        const Json& actual = kube::at(it->second, std::string("/metadata/") + field);
        if (wanted.is_string() && wanted != actual) {
          return statusResponse(409, "Conflict",
                                std::string("Precondition failed: ") + field +
                                    " in precondition: " + wanted.get<std::string>() + ", " +
                                    field + " in object meta: " + actual.dump());
        }
      }
      eraseLocked(loc.collection, key);
      changed_.notify_all();
      return okResponse({{"kind", "Status"}, {"status", "Success"}});
    }
    return statusResponse(405, "MethodNotAllowed", request.method);
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::map<std::string, Json>> objects_;  // collection → key → object
  std::vector<Event> history_;
  std::vector<std::string> raw_lines_;
  std::size_t next_raw_ = 0;
  std::vector<Fault> faults_;
  std::vector<Hold> holds_;
  int held_ = 0;
  std::vector<Request> requests_;
  // collection → key → (field manager, subresource) → the configuration it last applied.
  std::map<std::string, std::map<std::string, Managers>> managed_;
  long long rv_ = 100;
  long long compacted_rv_ = 0;
  long long uid_ = 0;
  long long close_generation_ = 0;
  int open_watches_ = 0;
  bool auto_close_ = false;
};

}  // namespace testsupport

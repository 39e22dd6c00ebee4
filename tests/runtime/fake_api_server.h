#pragma once

// An in-memory Kubernetes API server behind kube::HttpTransport, for unit tests of the runtime:
// enough of the REST semantics (create/get/list/replace with resourceVersion preconditions,
// merge patch, delete, label selectors, watch with resume, bookmarks and 410 after
// compaction) that the real kube::Client and kube::Api run unchanged on top of it. Tests can
// also inject failures and look at every request.

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

namespace runtime_test {

using kube::Json;

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
  };
  // A failure to inject: the next `count` requests whose method and path match fail with `status`
  // (0 = a transport error, as if the server were down).
  struct Fault {
    Fault(std::string method_, std::string path_contains_, int status_ = 500, int count_ = 1,
          std::string retry_after_ = {})
        : method(std::move(method_)),
          path_contains(std::move(path_contains_)),
          status(status_),
          count(count_),
          retry_after(std::move(retry_after_)) {}

    std::string method;  // "" matches any; "WATCH" matches watch requests
    std::string path_contains;
    int status;
    int count;
    std::string retry_after;  // a Retry-After header value, if any
  };

  kube::Result<kube::HttpResponse> send(const kube::HttpRequest& request) override {
    std::unique_lock lock(mutex_);
    requests_.push_back({request.method, request.target, request.body});
    if (auto limit = takeHoldLocked(request.method, request.target)) {
      lock.unlock();
      return holdUntilCancelled(request, *limit);
    }
    if (auto fault = takeFaultLocked(request.method, request.target)) return *fault;
    return handleLocked(request);
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
    requests_.push_back({"WATCH", request.target, {}});
    if (auto fault = takeFaultLocked("WATCH", request.target)) return *fault;
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
        lines.push_back(Json{{"type", entry.type}, {"object", entry.object}}.dump());
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

  static std::shared_ptr<kube::Client> clientFor(std::shared_ptr<FakeApiServer> server) {
    kube::ClusterConfig config;
    config.server = "https://fake.invalid";
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
      case 404:
        return "NotFound";
      case 409:
        return "Conflict";
      case 410:
        return "Expired";
      case 429:
        return "TooManyRequests";
      case 503:
        return "ServiceUnavailable";
      default:
        return "InternalError";
    }
  }

  static bool matchesSelector(const Json& object, const std::string& selector) {
    if (selector.empty()) return true;
    std::stringstream terms(selector);
    std::string term;
    while (std::getline(terms, term, ',')) {
      const auto eq = term.find('=');
      const auto& value = kube::at(object, "/metadata/labels/" + term.substr(0, eq));
      if (eq == std::string::npos) {
        if (value.is_null()) return false;
      } else if (!value.is_string() || value.get<std::string>() != term.substr(eq + 1)) {
        return false;
      }
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
                                                                  const std::string& target) {
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      const bool method_ok = it->method.empty() || it->method == method;
      if (!method_ok || target.find(it->path_contains) == std::string::npos) continue;
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
    history_.push_back({rv_, collection, "DELETED", object});
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
        if (matchesSelector(object, selector)) items.push_back(object);
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
      object["metadata"]["uid"] = kube::uid(it->second);
      auto stored = storeLocked(loc.collection, std::move(object));
      changed_.notify_all();
      return okResponse(stored);
    }
    if (request.method == "PATCH") {
      auto it = bucket.find(key);
      if (it == bucket.end()) return notFound();
      Json object = it->second;
      object.merge_patch(body);
      auto stored = storeLocked(loc.collection, std::move(object));
      changed_.notify_all();
      return okResponse(stored);
    }
    if (request.method == "DELETE") {
      if (!bucket.count(key)) return notFound();
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
  long long rv_ = 100;
  long long compacted_rv_ = 0;
  long long uid_ = 0;
  long long close_generation_ = 0;
  int open_watches_ = 0;
  bool auto_close_ = false;
};

}  // namespace runtime_test

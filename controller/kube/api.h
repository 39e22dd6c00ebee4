#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/cancel.h"
#include "kube/client.h"
#include "kube/object.h"
#include "kube/resource.h"
#include "kube/result.h"
#include "kube/watch_event.h"

namespace kube {

struct ListParams {
  std::string label_selector;
  std::string field_selector;
  int limit = 0;  // 0 = server default (no paging)
  std::string continue_token;
  std::string resource_version;  // "" = most recent (quorum read)
};

struct ObjectList {
  std::vector<Object> items;
  std::string resource_version;
  std::string continue_token;  // non-empty when more pages remain
};

struct ApplyParams {
  std::string field_manager = "registry-operator";
  bool force = true;  // the operator owns the fields it applies, even if someone else set them
  bool dry_run = false;
};

enum class Propagation { Default, Background, Foreground, Orphan };

struct DeleteParams {
  Propagation propagation = Propagation::Default;
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
};

struct WatchParams {
  std::string resource_version;
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;
  int timeout_seconds = 300;  // the server ends the watch after this; the caller resumes
};

// Receives each watch event in arrival order. Return false to stop the watch.
using EventSink = std::function<bool(const WatchEvent& event)>;

// One resource kind in one namespace (or in all namespaces / cluster-scoped when `ns` is empty).
class Api {
 public:
  Api(ClientPtr client, Resource resource, std::string ns = {});

  const Resource& resource() const { return resource_; }
  const std::string& ns() const { return ns_; }
  Api inNamespace(std::string ns) const {
    Api api = *this;
    api.ns_ = std::move(ns);
    return api;
  }
  // The same Api with another per-request deadline (default 30 s); for callers whose own
  // deadline is shorter, such as a leader renewing its lease.
  Api withTimeout(std::chrono::seconds timeout) const {
    Api api = *this;
    api.timeout_ = timeout;
    return api;
  }
  // The same Api whose requests are abandoned when `cancel` fires (they return Cancelled), for
  // callers that must stop promptly, such as a reconcile when its controller shuts down or
  // loses leadership. watch() keeps taking its own token.
  Api withCancel(CancelToken cancel) const {
    Api api = *this;
    api.cancel_ = std::move(cancel);
    return api;
  }

  // The same Api whose list() and watch() return only each object's metadata (kind
  // PartialObjectMetadata, as client-go's metadata informers ask for): enough to notice that an
  // object changed without holding, or even receiving, its content — for kinds such as Secrets
  // whose every object in the cluster would otherwise be read and kept. Other verbs are unchanged.
  Api metadataOnly() const {
    Api api = *this;
    api.metadata_only_ = true;
    return api;
  }

  Result<Object> get(std::string_view name) const;
  Result<ObjectList> list(const ListParams& params = {}) const;
  // Follows `continue` tokens until all pages are read (limit = page size).
  Result<ObjectList> listAll(ListParams params) const;
  Result<Object> create(const Object& object) const;
  Result<Object> replace(const Object& object) const;  // PUT; carries resourceVersion
  Result<Object> mergePatch(std::string_view name, const Json& patch) const;
  Result<Object> apply(const Object& desired, const ApplyParams& params = {}) const;
  Result<Object> applyStatus(const Object& desired, const ApplyParams& params = {}) const;
  Result<void> remove(std::string_view name, const DeleteParams& params = {}) const;

  // Streams watch events until the server ends the watch (timeout_seconds), the sink returns
  // false, or `cancel` fires. An "ERROR" event (e.g. 410 Gone) is returned as an Error.
  Result<void> watch(const WatchParams& params, const EventSink& sink,
                     const CancelToken& cancel) const;

 private:
  // Path of one object, optionally of a subresource ("status").
  std::string objectPath(std::string_view name, std::string_view subresource = {}) const;
  // `accept` empty: the client's default (application/json).
  Result<Object> sendForObject(const std::string& method, const std::string& target,
                               const std::string& content_type, const std::string& body,
                               const std::string& accept = {}) const;

  ClientPtr client_;
  Resource resource_;
  std::string ns_;
  std::chrono::seconds timeout_{30};
  std::optional<CancelToken> cancel_;
  bool metadata_only_ = false;
};

}  // namespace kube

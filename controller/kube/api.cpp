#include "kube/api.h"

namespace kube {

namespace {

std::string urlEncode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Appends "?a=b&c=d" pairs, skipping empty values.
class Query {
 public:
  Query& add(std::string_view key, std::string_view value) {
    if (value.empty()) return *this;
    text_ += text_.empty() ? '?' : '&';
    text_ += std::string(key) + "=" + urlEncode(value);
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

Result<Json> parseBody(const HttpResponse& response, const std::string& what) {
  auto document = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return Error(ErrorKind::Decode, what + ": the server's answer is not a JSON object (" +
                                        std::to_string(response.body.size()) + " bytes)");
  }
  return document;
}

const char* propagationName(Propagation propagation) {
  switch (propagation) {
    case Propagation::Background:
      return "Background";
    case Propagation::Foreground:
      return "Foreground";
    case Propagation::Orphan:
      return "Orphan";
    case Propagation::Default:
      break;
  }
  return nullptr;
}

}  // namespace

namespace {
// Metadata-only reads (Api::metadataOnly); JSON as the fallback for servers without them.
constexpr const char* kMetadataListAccept =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
constexpr const char* kMetadataAccept =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

// Objects may carry text from outside (an error message in an Event): never throw on bad UTF-8.
std::string serialize(const Json& document) {
  return document.dump(-1, ' ', false, Json::error_handler_t::replace);
}
}  // namespace

Api::Api(ClientPtr client, Resource resource, std::string ns)
    : client_(std::move(client)), resource_(std::move(resource)), ns_(std::move(ns)) {}

std::string Api::objectPath(std::string_view name, std::string_view subresource) const {
  std::string path = resource_.collectionPath(ns_) + "/" + urlEncode(name);
  if (!subresource.empty()) path += "/" + std::string(subresource);
  return path;
}

Result<Object> Api::sendForObject(const std::string& method, const std::string& target,
                                  const std::string& content_type, const std::string& body,
                                  const std::string& accept) const {
  HttpRequest request;
  if (!accept.empty()) request.headers["Accept"] = accept;
  request.method = method;
  request.target = target;
  request.body = body;
  request.timeout = timeout_;
  request.cancel = cancel_;
  if (!content_type.empty()) request.headers["Content-Type"] = content_type;
  auto response = client_->send(std::move(request));
  if (!response) return response.error();
  return parseBody(*response, method + " " + resource_.plural);
}

Result<Object> Api::get(std::string_view name) const {
  return sendForObject("GET", objectPath(name), {}, {});
}

Result<ObjectList> Api::list(const ListParams& params) const {
  Query query;
  query.add("labelSelector", params.label_selector)
      .add("fieldSelector", params.field_selector)
      .add("limit", params.limit > 0 ? std::to_string(params.limit) : "")
      .add("continue", params.continue_token)
      .add("resourceVersion", params.resource_version);
  auto document = sendForObject("GET", resource_.collectionPath(ns_) + query.str(), {}, {},
                                metadata_only_ ? kMetadataListAccept : "");
  if (!document) return document.error();
  ObjectList list;
  const Json& items = at(*document, "/items", Json::array());
  if (!items.is_array())
    return Error(ErrorKind::Decode, "list of " + resource_.plural + ": items is not an array");
  list.items.reserve(items.size());
  for (const auto& item : items) {
    if (!item.is_object())
      return Error(ErrorKind::Decode, "list of " + resource_.plural + ": an item is not an object");
    Object object = item;
    // List items come without apiVersion/kind; callers (the cache) want whole objects.
    object["apiVersion"] = resource_.apiVersion();
    object["kind"] = resource_.kind;
    list.items.push_back(std::move(object));
  }
  if (const Json& rv = at(*document, "/metadata/resourceVersion"); rv.is_string())
    list.resource_version = rv;
  if (const Json& token = at(*document, "/metadata/continue"); token.is_string())
    list.continue_token = token;
  return list;
}

Result<ObjectList> Api::listAll(ListParams params) const {
  ObjectList all;
  do {
    auto page = list(params);
    if (!page) return page.error();
    for (auto& item : page->items) all.items.push_back(std::move(item));
    all.resource_version = page->resource_version;
    params.continue_token = page->continue_token;
    params.resource_version.clear();  // a continue token pins the snapshot itself
  } while (!params.continue_token.empty());
  return all;
}

Result<Object> Api::create(const Object& object) const {
  return sendForObject("POST", resource_.collectionPath(ns_), "application/json",
                       serialize(object));
}

Result<Object> Api::replace(const Object& object) const {
  return sendForObject("PUT", objectPath(name(object)), "application/json", serialize(object));
}

Result<Object> Api::mergePatch(std::string_view name, const Json& patch) const {
  return sendForObject("PATCH", objectPath(name), "application/merge-patch+json", serialize(patch));
}

namespace {
std::string applyQuery(const ApplyParams& params) {
  Query query;
  query.add("fieldManager", params.field_manager)
      .add("force", params.force ? "true" : "")
      .add("dryRun", params.dry_run ? "All" : "");
  return query.str();
}
}  // namespace

Result<Object> Api::apply(const Object& desired, const ApplyParams& params) const {
  // JSON is YAML, so the apply-patch content type takes the document as it is.
  return sendForObject("PATCH", objectPath(name(desired)) + applyQuery(params),
                       "application/apply-patch+yaml", serialize(desired));
}

Result<Object> Api::applyStatus(const Object& desired, const ApplyParams& params) const {
  return sendForObject("PATCH", objectPath(name(desired), "status") + applyQuery(params),
                       "application/apply-patch+yaml", serialize(desired));
}

Result<void> Api::remove(std::string_view name, const DeleteParams& params) const {
  Json options = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (const char* policy = propagationName(params.propagation))
    options["propagationPolicy"] = policy;
  if (params.precondition_uid) options["preconditions"]["uid"] = *params.precondition_uid;
  if (params.precondition_resource_version) {
    options["preconditions"]["resourceVersion"] = *params.precondition_resource_version;
  }
  HttpRequest request;
  request.method = "DELETE";
  request.target = objectPath(name);
  request.timeout = timeout_;
  request.cancel = cancel_;
  request.headers["Content-Type"] = "application/json";
  request.body = serialize(options);
  auto response = client_->send(std::move(request));
  if (!response) return response.error();
  return {};
}

Result<void> Api::watch(const WatchParams& params, const EventSink& sink,
                        const CancelToken& cancel) const {
  Query query;
  query.add("watch", "true")
      .add("resourceVersion", params.resource_version)
      .add("labelSelector", params.label_selector)
      .add("fieldSelector", params.field_selector)
      .add("allowWatchBookmarks", params.allow_bookmarks ? "true" : "")
      .add("timeoutSeconds",
           params.timeout_seconds > 0 ? std::to_string(params.timeout_seconds) : "");
  HttpRequest request;
  request.target = resource_.collectionPath(ns_) + query.str();
  if (metadata_only_) request.headers["Accept"] = kMetadataAccept;
  // The connection may stay quiet until the server's own timeout; allow a margin beyond it.
  request.timeout =
      std::chrono::seconds(params.timeout_seconds > 0 ? params.timeout_seconds + 30 : 3600);
  std::optional<Error> failure;
  auto response = client_->stream(
      std::move(request),
      [&](const std::string& line) {
        auto event = parseWatchEvent(line);
        if (!event) {
          failure = event.error();
          return false;
        }
        if (event->type == WatchEventType::Error) {
          int code = at(event->object, "/code", 500).is_number_integer()
                         ? at(event->object, "/code", 500).get<int>()
                         : 500;
          failure = errorFromResponse(code, serialize(event->object));
          return false;
        }
        return sink(*event);
      },
      cancel);
  if (failure) {
    // A 401 inside the stream: the server stopped accepting the credential after the watch
    // began. Client::stream saw a 200, so it is told here; the caller's next watch then starts
    // with a fresh credential instead of being refused again with the same one.
    if (failure->is(ErrorKind::Unauthorized)) client_->credentialRejected();
    return *failure;
  }
  if (!response) return response.error();
  return {};
}

}  // namespace kube

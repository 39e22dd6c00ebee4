#include "registry/token/access_review.h"

#include <openssl/sha.h>

#include "runtime/hex.h"

namespace registry::token {

namespace {

constexpr const char* kSelfSubjectReviewPath = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
constexpr const char* kSelfSubjectAccessReviewPath =
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
// A review answers in milliseconds; a client waiting for its token should not wait 30 s for an
// API server that is gone.
constexpr std::chrono::seconds kReviewTimeout{10};

std::string sha256Hex(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return runtime::toHex(digest, sizeof digest);
}

}  // namespace

AccessReviewer::AccessReviewer(kube::HttpTransportPtr transport, runtime::ClockPtr clock,
                               ReviewCacheOptions options)
    : transport_(std::move(transport)), clock_(std::move(clock)), options_(options) {}

kube::Result<std::string> AccessReviewer::username(const std::string& bearer_token) {
  const std::string key = sha256Hex(bearer_token) + "\nwho";
  if (auto known = cached(key)) return *known;
  auto answer = review(bearer_token, kSelfSubjectReviewPath,
                       {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
  if (!answer) return answer.error().withContext("SelfSubjectReview");
  auto name = kube::at(*answer, "/status/userInfo/username", kube::Json());
  if (!name.is_string() || name.get<std::string>().empty()) {
    return kube::Error(kube::ErrorKind::Decode, "SelfSubjectReview: no status.userInfo.username");
  }
  remember(key, name.get<std::string>());
  return name.get<std::string>();
}

kube::Result<bool> AccessReviewer::allowed(const std::string& bearer_token,
                                           const RepositoryAttributes& attributes) {
  // '\n' cannot occur in a namespace, a repository name or a verb, so keys cannot collide.
  const std::string key = sha256Hex(bearer_token) + "\ncan\n" + attributes.verb + "\n" +
                          attributes.namespace_name + "\n" + attributes.name;
  if (auto known = cached(key)) return *known == "1";
  kube::Json resource = {{"group", kRegistryConfigGroup},
                         {"resource", kRepositoriesResource},
                         {"verb", attributes.verb}};
  if (!attributes.namespace_name.empty()) resource["namespace"] = attributes.namespace_name;
  if (!attributes.name.empty()) resource["name"] = attributes.name;
  auto answer = review(bearer_token, kSelfSubjectAccessReviewPath,
                       {{"apiVersion", "authorization.k8s.io/v1"},
                        {"kind", "SelfSubjectAccessReview"},
                        {"spec", {{"resourceAttributes", resource}}}});
  if (!answer) return answer.error().withContext("SelfSubjectAccessReview");
  auto allowed = kube::at(*answer, "/status/allowed", kube::Json(false));
  bool yes = allowed.is_boolean() && allowed.get<bool>();
  remember(key, yes ? "1" : "0");
  return yes;
}

std::uint64_t AccessReviewer::reviewsSent() const {
  std::lock_guard lock(mutex_);
  return reviews_sent_;
}

kube::Result<kube::Json> AccessReviewer::review(const std::string& bearer_token,
                                                const std::string& path, const kube::Json& body) {
  {
    std::lock_guard lock(mutex_);
    ++reviews_sent_;
  }
  kube::HttpRequest request;
  request.method = "POST";
  request.target = path;
  request.headers = {{"Authorization", "Bearer " + bearer_token},
                     {"Content-Type", "application/json"},
                     {"Accept", "application/json"}};
  request.body = body.dump();
  request.timeout = kReviewTimeout;
  auto response = transport_->send(request);
  if (!response) return response.error();
  if (response->status < 200 || response->status >= 300) {
    return kube::errorFromResponse(response->status, response->body,
                                   response->header("retry-after"));
  }
  auto parsed = kube::Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return kube::Error(kube::ErrorKind::Decode, "the API server's answer is not a JSON object");
  }
  return parsed;
}

std::optional<std::string> AccessReviewer::cached(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end()) return std::nullopt;
  if (found->second.expires <= clock_->now()) {
    by_age_.erase({found->second.expires, found->second.sequence});
    entries_.erase(found);
    return std::nullopt;
  }
  return found->second.answer;
}

void AccessReviewer::remember(const std::string& key, std::string answer) {
  if (options_.max_entries == 0 || options_.ttl.count() <= 0) return;
  std::lock_guard lock(mutex_);
  const auto now = clock_->now();
  if (auto old = entries_.find(key); old != entries_.end()) {
    by_age_.erase({old->second.expires, old->second.sequence});
    entries_.erase(old);
  }
  // Expired entries first, then the oldest, until there is room.
  while (!by_age_.empty() &&
         (by_age_.begin()->first.first <= now || entries_.size() >= options_.max_entries)) {
    entries_.erase(by_age_.begin()->second);
    by_age_.erase(by_age_.begin());
  }
  Entry entry{std::move(answer), now + options_.ttl, next_sequence_++};
  by_age_.emplace(std::make_pair(entry.expires, entry.sequence), key);
  entries_.emplace(key, std::move(entry));
}

}  // namespace registry::token

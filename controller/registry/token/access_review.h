#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "kube/http.h"
#include "kube/object.h"
#include "kube/result.h"
#include "registry/api/registry_resource.h"
#include "runtime/clock.h"

namespace registry::token {

// What one SelfSubjectAccessReview asks about the `repositories` resource
// (kRepositoriesResource in kRegistryConfigGroup; registry_resource.h). An empty namespace
// asks at cluster scope (the catalog's `list`).
struct RepositoryAttributes {
  std::string namespace_name;
  std::string name;
  std::string verb;  // get | update | delete | list

  bool operator==(const RepositoryAttributes&) const = default;
};

struct ReviewCacheOptions {
  // How long an answer is reused: a revoked token or a removed RoleBinding takes effect
  // within this time, and a client pulling twenty layers costs one round of reviews.
  std::chrono::seconds ttl{10};
  std::size_t max_entries = 4096;
};

// Asks the API server, with the CALLER's bearer token, who the caller is
// (SelfSubjectReview) and whether the caller may do something (SelfSubjectAccessReview), as
// OpenShift's integrated registry does. The token service itself therefore needs no RBAC and no
// credential of its own: only the server's URL and CA, in the transport.
//
// Answers are cached briefly, keyed by the SHA-256 of the token (never the token itself) and the
// question. Only answers are cached: a refused token (401) and a failure to reach the API
// server are asked again next time. Thread-safe; the lock is not held while a review is sent.
class AccessReviewer {
 public:
  AccessReviewer(kube::HttpTransportPtr transport, runtime::ClockPtr clock,
                 ReviewCacheOptions options = {});

  // The caller's username. An Error of kind Unauthorized when the API server refuses the token
  // (bad, expired, revoked); other kinds when it cannot be asked.
  kube::Result<std::string> username(const std::string& bearer_token);
  // Whether the caller may `attributes.verb` the repository; Unauthorized as above.
  kube::Result<bool> allowed(const std::string& bearer_token,
                             const RepositoryAttributes& attributes);

  // Reviews sent to the API server (not answered from the cache), for tests and metrics.
  std::uint64_t reviewsSent() const;

 private:
  struct Entry {
    std::string answer;  // the username, or "1"/"0" for allowed
    runtime::Clock::TimePoint expires;
    std::uint64_t sequence;
  };
  std::optional<std::string> cached(const std::string& key);
  void remember(const std::string& key, std::string answer);
  kube::Result<kube::Json> review(const std::string& bearer_token, const std::string& path,
                                  const kube::Json& body);

  kube::HttpTransportPtr transport_;
  runtime::ClockPtr clock_;
  ReviewCacheOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  // (expiry, insertion sequence) → key: with one TTL for all, the first entry is both the first
  // to expire and the oldest, so eviction takes from the front.
  std::map<std::pair<runtime::Clock::TimePoint, std::uint64_t>, std::string> by_age_;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t reviews_sent_ = 0;
};
using AccessReviewerPtr = std::shared_ptr<AccessReviewer>;

}  // namespace registry::token

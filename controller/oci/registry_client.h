#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kube/http.h"
#include "kube/result.h"
#include "oci/credentials.h"

namespace oci {

// Makes the transport for an origin ("https://host:port"): the registry's own, a token realm's,
// or a blob redirect's. The client asks once per origin and keeps the transport.
using TransportFactory =
    std::function<kube::Result<kube::HttpTransportPtr>(const std::string& origin)>;

struct ManifestHead {
  std::string digest;  // Docker-Content-Digest
  std::string media_type;
  std::int64_t size = 0;  // Content-Length, 0 when the registry does not say
};

struct FetchedManifest {
  std::string digest;
  std::string media_type;  // Content-Type, without parameters
  std::string body;
};

// A client of the distribution registry HTTP API v2 (the OCI distribution spec), for what the
// pruner and the mirror need: list repositories and tags, read manifests and blobs, delete
// manifests; and push blobs (by mount or upload) and manifests.
//
// Authentication: requests go out anonymously until the registry answers 401. A Basic challenge
// with credentials switches to Basic for every later request; a Bearer challenge fetches a token
// from its realm (with Basic credentials when given), caches it for the request's scope until it
// expires, and the request is sent once more. A second 401 is the answer (kind Unauthorized).
// Passwords and tokens appear in no error message.
//
// Not thread-safe: one command drives one client.
class RegistryClient {
 public:
  // `registry` is the registry's URL, "https://reg.ns.svc:5000" (a path is refused: the API
  // lives at /v2/ of the origin). Error kind Config for a bad URL or transport.
  static kube::Result<std::unique_ptr<RegistryClient>> create(const std::string& registry,
                                                              Credentials credentials,
                                                              TransportFactory transports);

  const std::string& origin() const { return origin_; }

  // GET /v2/_catalog?n=page_size, following rel="next" links (relative, as distribution 2.8
  // sends them, or absolute on the same origin) until none comes.
  kube::Result<std::vector<std::string>> catalog(int page_size = 100);

  // GET /v2/<repository>/tags/list, following rel="next" links should the registry send any
  // (2.8 ignores n and last for tags and sends the whole list). A repository whose tags were all
  // deleted is still in the catalog; its 404 NAME_UNKNOWN reads as no tags.
  kube::Result<std::vector<std::string>> tags(const std::string& repository);

  // HEAD and GET /v2/<repository>/manifests/<tag or digest>, accepting all four manifest media
  // types. A GET by digest checks that the body has that digest.
  kube::Result<ManifestHead> headManifest(const std::string& repository,
                                          const std::string& reference);
  kube::Result<FetchedManifest> getManifest(const std::string& repository,
                                            const std::string& reference);

  // GET /v2/<repository>/blobs/<digest>, following one redirect (a storage backend's URL, which
  // gets no Authorization header).
  kube::Result<std::string> getBlob(const std::string& repository, const std::string& digest);

  // DELETE /v2/<repository>/manifests/<digest> (202). Only by digest: the registry refuses tags.
  // 405 (UNSUPPORTED) when the registry runs without storage.delete.enabled: see
  // isDeletionDisabled().
  kube::Result<void> deleteManifest(const std::string& repository, const std::string& digest);

  // Push. Requests ask for the scope "repository:<repository>:pull,push"; a mount also for
  // "repository:<from>:pull".

  // HEAD /v2/<repository>/blobs/<digest>: true when the repository has the blob (200, or a
  // redirect to the storage that serves it), false on 404. Only the pull scope is needed.
  kube::Result<bool> hasBlob(const std::string& repository, const std::string& digest);

  // POST /v2/<repository>/blobs/uploads/?mount=<digest>&from=<from>: true when the registry
  // mounted the blob from the other repository of the same registry (201), without a byte sent.
  // false when it did not (`from` lacks the blob, may not be read, or the registry does not
  // mount): it then started an upload instead (202), which is cancelled here.
  kube::Result<bool> mountBlob(const std::string& repository, const std::string& digest,
                               const std::string& from);

  // A monolithic upload: POST /v2/<repository>/blobs/uploads/ (202 with a Location), then
  // PUT <Location>&digest=<digest> with the bytes (201); the registry checks them against the
  // digest. The Location may be relative or absolute on the registry's origin; another origin
  // is refused (Decode), as our credentials are this registry's.
  kube::Result<void> uploadBlob(const std::string& repository, const std::string& digest,
                                std::string_view bytes);

  // PUT /v2/<repository>/manifests/<tag or digest> with the body byte for byte and `media_type`
  // as Content-Type (201). Returns the digest the registry stored it under (Docker-Content-Digest,
  // else the body's own), which must be the body's sha256.
  kube::Result<std::string> putManifest(const std::string& repository, const std::string& reference,
                                        const std::string& media_type, const std::string& body);

 private:
  RegistryClient(std::string origin, Credentials credentials, TransportFactory transports);

  kube::Result<kube::HttpTransportPtr> transportFor(const std::string& origin);
  // Sends to the registry with the authorization `scope` needs ("repository:a/b:pull"), and on a
  // 401 authenticates as the challenge asks and sends once more.
  kube::Result<kube::HttpResponse> send(kube::HttpRequest request, const std::string& scope);
  // After a 401: whether the request is worth sending again (a new token, or Basic credentials
  // the registry asked for), or an error from the token server.
  kube::Result<bool> authenticate(const kube::HttpResponse& unauthorized, const std::string& scope);
  std::string basicAuthorization() const;
  kube::Result<std::string> manifestTarget(const std::string& repository,
                                           const std::string& reference) const;
  // An upload's Location (relative, or absolute on our origin) as a target on the registry.
  kube::Result<std::string> uploadTarget(const std::string& location,
                                         const std::string& what) const;
  // A rel="next" link of `response` as a target on the registry, or "" when there is none.
  kube::Result<std::string> nextTarget(const kube::HttpResponse& response) const;
  // A paged listing (catalog, tags) from `target`: GETs each page with `scope`, collects the
  // names `parse` reads, and follows rel="next" links until there is none. `what` names the
  // listing in errors. A 404 NAME_UNKNOWN ends it with what was read when `unknown_is_empty`.
  using PageParser = kube::Result<std::vector<std::string>> (*)(std::string_view body);
  kube::Result<std::vector<std::string>> listPages(std::string target, const std::string& scope,
                                                   const std::string& what, PageParser parse,
                                                   bool unknown_is_empty);

  struct CachedToken {
    std::string token;
    std::chrono::steady_clock::time_point expires;
  };

  std::string origin_;
  Credentials credentials_;
  TransportFactory transports_;
  std::map<std::string, kube::HttpTransportPtr> transports_by_origin_;
  bool basic_ = false;                         // the registry asked for Basic
  std::map<std::string, CachedToken> tokens_;  // by scope
};

}  // namespace oci

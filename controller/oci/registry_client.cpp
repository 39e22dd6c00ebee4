#include "oci/registry_client.h"

#include <set>

#include "kube/base64.h"
#include "oci/bearer_token.h"
#include "oci/link_header.h"
#include "oci/listings.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "oci/names.h"
#include "oci/registry_error.h"
#include "oci/url.h"
#include "oci/www_authenticate.h"
#include "runtime/sha256.h"

namespace oci {

namespace {

// No registry has this many pages; a server that keeps sending "next" is broken or hostile.
constexpr int kMaxPages = 100000;

// A blob may be large and the link slow: its transfer gets longer than the 30 s of the other
// requests (the transport's timeout; cpprestsdk restarts it as bytes move).
constexpr std::chrono::seconds kBlobTimeout{300};

std::string pullScope(const std::string& repository) {
  return "repository:" + repository + ":pull";
}

std::string pushScope(const std::string& repository) {
  return "repository:" + repository + ":pull,push";
}

kube::Error invalidName(std::string_view what, std::string_view name) {
  return kube::Error(kube::ErrorKind::Invalid,
                     "invalid " + std::string(what) + " \"" + std::string(name) + "\"");
}

bool isRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// A sha256 digest is checked against the bytes; other algorithms are taken on trust.
kube::Result<void> checkDigest(const std::string& digest, std::string_view body,
                               const std::string& what) {
  if (digest.rfind("sha256:", 0) != 0) return {};
  if ("sha256:" + runtime::sha256Hex(body) != digest) {
    return kube::Error(kube::ErrorKind::Decode, what + ": the content does not match its digest");
  }
  return {};
}

}  // namespace

kube::Result<std::unique_ptr<RegistryClient>> RegistryClient::create(const std::string& registry,
                                                                     Credentials credentials,
                                                                     TransportFactory transports) {
  auto url = splitUrl(registry);
  if (!url) return url.error();
  if (url->target != "/") {
    return kube::Error(kube::ErrorKind::Config,
                       "invalid registry URL \"" + registry +
                           "\": give the origin only (https://host:port), without a path");
  }
  return std::unique_ptr<RegistryClient>(
      new RegistryClient(url->origin, std::move(credentials), std::move(transports)));
}

RegistryClient::RegistryClient(std::string origin, Credentials credentials,
                               TransportFactory transports)
    : origin_(std::move(origin)),
      credentials_(std::move(credentials)),
      transports_(std::move(transports)) {}

kube::Result<kube::HttpTransportPtr> RegistryClient::transportFor(const std::string& origin) {
  auto it = transports_by_origin_.find(origin);
  if (it != transports_by_origin_.end()) return it->second;
  auto transport = transports_(origin);
  if (!transport) return transport.error();
  transports_by_origin_.emplace(origin, *transport);
  return transport;
}

std::string RegistryClient::basicAuthorization() const {
  return "Basic " + kube::base64Encode(credentials_.username + ":" + credentials_.password);
}

kube::Result<kube::HttpResponse> RegistryClient::send(kube::HttpRequest request,
                                                      const std::string& scope) {
  auto transport = transportFor(origin_);
  if (!transport) return transport.error();
  for (int attempt = 0;; ++attempt) {
    request.headers.erase("Authorization");
    auto token = tokens_.find(scope);
    if (token != tokens_.end() && token->second.expires <= std::chrono::steady_clock::now()) {
      tokens_.erase(token);
      token = tokens_.end();
    }
    if (token != tokens_.end()) {
      request.headers["Authorization"] = "Bearer " + token->second.token;
    } else if (basic_) {
      request.headers["Authorization"] = basicAuthorization();
    }
    auto response = (*transport)->send(request);
    if (!response) return response.error();
    if (response->status != 401 || attempt == 1) return response;
    auto retry = authenticate(*response, scope);
    if (!retry) return retry.error();
    if (!*retry) return response;
  }
}

kube::Result<bool> RegistryClient::authenticate(const kube::HttpResponse& unauthorized,
                                                const std::string& scope) {
  auto challenges = parseWwwAuthenticate(unauthorized.header("www-authenticate"));
  if (const Challenge* bearer = findChallenge(challenges, "bearer")) {
    auto url = tokenRequestUrl(*bearer, scope);
    if (!url) return url.error();
    const std::string realm = url->origin + url->target.substr(0, url->target.find('?'));
    auto transport = transportFor(url->origin);
    if (!transport) return transport.error();
    kube::HttpRequest request;
    request.target = url->target;
    request.headers["Accept"] = "application/json";
    if (!credentials_.anonymous()) request.headers["Authorization"] = basicAuthorization();
    auto response = (*transport)->send(request);
    if (!response) return response.error().withContext("fetching a token from " + realm);
    if (response->status != 200) {
      return registryError("GET token from " + realm, response->status, response->body);
    }
    auto token = parseTokenResponse(response->body);
    if (!token) return token.error().withContext("the token from " + realm);
    // Renewed a little early, so that it does not run out between our check and the registry's.
    auto lifetime = token->expires_in - std::min(token->expires_in / 10, std::chrono::seconds(10));
    tokens_[scope] =
        CachedToken{std::move(token->token), std::chrono::steady_clock::now() + lifetime};
    return true;
  }
  if (findChallenge(challenges, "basic") != nullptr && !credentials_.anonymous() && !basic_) {
    basic_ = true;
    return true;
  }
  return false;
}

kube::Result<std::string> RegistryClient::nextTarget(const kube::HttpResponse& response) const {
  auto link = nextLink(response.header("link"));
  if (!link) return std::string();
  std::string target = *link;
  if (target.empty() || target.front() != '/') {
    auto url = splitUrl(target);
    if (!url || url->origin != origin_) {
      return kube::Error(kube::ErrorKind::Decode,
                         "the registry's next-page link \"" + target + "\" leaves " + origin_);
    }
    target = url->target;
  }
  if (target.rfind("/v2/", 0) != 0) {
    return kube::Error(kube::ErrorKind::Decode,
                       "the registry's next-page link \"" + target + "\" is not under /v2/");
  }
  return target;
}

kube::Result<std::vector<std::string>> RegistryClient::listPages(std::string target,
                                                                 const std::string& scope,
                                                                 const std::string& what,
                                                                 PageParser parse,
                                                                 bool unknown_is_empty) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (int page = 0; !target.empty(); ++page) {
    if (page == kMaxPages || !seen.insert(target).second) {
      return kube::Error(kube::ErrorKind::Decode,
                         "the registry's " + what + " pages do not end (at " + target + ")");
    }
    kube::HttpRequest request;
    request.target = target;
    request.headers["Accept"] = "application/json";
    auto response = send(request, scope);
    if (!response) return response.error();
    if (response->status != 200) {
      auto error = registryError("GET " + target, response->status, response->body);
      if (unknown_is_empty && response->status == 404 && error.reason() == "NAME_UNKNOWN") {
        return names;
      }
      return error;
    }
    auto page_names = parse(response->body);
    if (!page_names) return page_names.error().withContext("GET " + target);
    names.insert(names.end(), page_names->begin(), page_names->end());
    auto next = nextTarget(*response);
    if (!next) return next.error();
    target = std::move(*next);
  }
  return names;
}

kube::Result<std::vector<std::string>> RegistryClient::catalog(int page_size) {
  return listPages("/v2/_catalog?n=" + std::to_string(page_size), "registry:catalog:*", "catalog",
                   parseCatalog, false);
}

kube::Result<std::vector<std::string>> RegistryClient::tags(const std::string& repository) {
  if (!isValidRepositoryName(repository)) return invalidName("repository name", repository);
  return listPages("/v2/" + repository + "/tags/list", pullScope(repository), "tag list",
                   parseTagList, true);
}

kube::Result<std::string> RegistryClient::manifestTarget(const std::string& repository,
                                                         const std::string& reference) const {
  if (!isValidRepositoryName(repository)) return invalidName("repository name", repository);
  if (!isValidTag(reference) && !isValidDigest(reference)) {
    return invalidName("tag or digest", reference);
  }
  return "/v2/" + repository + "/manifests/" + reference;
}

kube::Result<ManifestHead> RegistryClient::headManifest(const std::string& repository,
                                                        const std::string& reference) {
  auto target = manifestTarget(repository, reference);
  if (!target) return target.error();
  kube::HttpRequest request;
  request.method = "HEAD";
  request.target = *target;
  request.headers["Accept"] = std::string(kManifestAccept);
  auto response = send(request, pullScope(repository));
  if (!response) return response.error();
  if (response->status != 200) {
    return registryError("HEAD " + *target, response->status, response->body);
  }
  ManifestHead head;
  head.digest = response->header("docker-content-digest");
  if (!isValidDigest(head.digest)) {
    return kube::Error(kube::ErrorKind::Decode,
                       "HEAD " + *target + ": no valid Docker-Content-Digest in the answer");
  }
  head.media_type = std::string(stripMediaTypeParameters(response->header("content-type")));
  const std::string length = response->header("content-length");
  if (!length.empty() && length.size() < 19 &&
      length.find_first_not_of("0123456789") == std::string::npos) {
    head.size = std::stoll(length);
  }
  return head;
}

kube::Result<FetchedManifest> RegistryClient::getManifest(const std::string& repository,
                                                          const std::string& reference) {
  auto target = manifestTarget(repository, reference);
  if (!target) return target.error();
  kube::HttpRequest request;
  request.target = *target;
  request.headers["Accept"] = std::string(kManifestAccept);
  auto response = send(request, pullScope(repository));
  if (!response) return response.error();
  if (response->status != 200) {
    return registryError("GET " + *target, response->status, response->body);
  }
  FetchedManifest manifest;
  manifest.media_type = std::string(stripMediaTypeParameters(response->header("content-type")));
  manifest.body = std::move(response->body);
  manifest.digest = response->header("docker-content-digest");
  if (manifest.digest.empty()) manifest.digest = "sha256:" + runtime::sha256Hex(manifest.body);
  if (!isValidDigest(manifest.digest)) {
    return kube::Error(kube::ErrorKind::Decode,
                       "GET " + *target + ": the Docker-Content-Digest is not a digest");
  }
  if (isValidDigest(reference) && manifest.digest != reference) {
    return kube::Error(kube::ErrorKind::Decode,
                       "GET " + *target + ": the registry answered with " + manifest.digest);
  }
  if (auto checked = checkDigest(manifest.digest, manifest.body, "GET " + *target); !checked) {
    return checked.error();
  }
  return manifest;
}

kube::Result<std::string> RegistryClient::getBlob(const std::string& repository,
                                                  const std::string& digest) {
  if (!isValidRepositoryName(repository)) return invalidName("repository name", repository);
  if (!isValidDigest(digest)) return invalidName("digest", digest);
  const std::string target = "/v2/" + repository + "/blobs/" + digest;
  kube::HttpRequest request;
  request.target = target;
  request.timeout = kBlobTimeout;
  auto response = send(request, pullScope(repository));
  if (!response) return response.error();
  if (isRedirect(response->status) && !response->header("location").empty()) {
    // A storage backend serving the blob itself (S3, a CDN): its URL is signed, and our
    // credentials are the registry's, not its.
    const std::string location = response->header("location");
    kube::HttpRequest follow;
    follow.timeout = kBlobTimeout;
    kube::Result<kube::HttpResponse> followed = kube::Error(kube::ErrorKind::Other, "");
    if (location.front() == '/') {
      follow.target = location;
      followed = send(follow, pullScope(repository));
    } else {
      auto url = splitUrl(location);
      if (!url) return url.error().withContext("GET " + target + " redirected");
      follow.target = url->target;
      if (url->origin == origin_) {
        followed = send(follow, pullScope(repository));
      } else {
        auto transport = transportFor(url->origin);
        if (!transport) return transport.error();
        followed = (*transport)->send(follow);
      }
    }
    if (!followed) return followed.error().withContext("GET " + target + " redirected");
    response = std::move(followed);
  }
  if (response->status != 200) {
    return registryError("GET " + target, response->status, response->body);
  }
  if (auto checked = checkDigest(digest, response->body, "GET " + target); !checked) {
    return checked.error();
  }
  return std::move(response->body);
}

kube::Result<void> RegistryClient::deleteManifest(const std::string& repository,
                                                  const std::string& digest) {
  if (!isValidDigest(digest)) return invalidName("digest", digest);
  auto target = manifestTarget(repository, digest);
  if (!target) return target.error();
  kube::HttpRequest request;
  request.method = "DELETE";
  request.target = *target;
  auto response = send(request, "repository:" + repository + ":delete");
  if (!response) return response.error();
  if (response->status < 200 || response->status >= 300) {
    return registryError("DELETE " + *target, response->status, response->body);
  }
  return {};
}

kube::Result<bool> RegistryClient::hasBlob(const std::string& repository,
                                           const std::string& digest) {
  if (!isValidRepositoryName(repository)) return invalidName("repository name", repository);
  if (!isValidDigest(digest)) return invalidName("digest", digest);
  kube::HttpRequest request;
  request.method = "HEAD";
  request.target = "/v2/" + repository + "/blobs/" + digest;
  auto response = send(request, pullScope(repository));
  if (!response) return response.error();
  if (response->status == 200 || isRedirect(response->status)) return true;
  if (response->status == 404) return false;
  return registryError("HEAD " + request.target, response->status, response->body);
}

kube::Result<std::string> RegistryClient::uploadTarget(const std::string& location,
                                                       const std::string& what) const {
  if (location.empty()) {
    return kube::Error(kube::ErrorKind::Decode, what + ": the registry sent no upload Location");
  }
  std::string target = location;
  if (target.front() != '/') {
    auto url = splitUrl(location);
    if (!url) return url.error().withContext(what + ": the upload Location");
    if (url->origin != origin_) {
      // Our credentials are this registry's: they go to no other origin.
      return kube::Error(kube::ErrorKind::Decode,
                         what + ": the upload Location \"" + location + "\" leaves " + origin_);
    }
    target = url->target;
  }
  if (target.rfind("/v2/", 0) != 0) {
    return kube::Error(kube::ErrorKind::Decode,
                       what + ": the upload Location \"" + location + "\" is not under /v2/");
  }
  return target;
}

kube::Result<bool> RegistryClient::mountBlob(const std::string& repository,
                                             const std::string& digest, const std::string& from) {
  if (!isValidRepositoryName(repository)) return invalidName("repository name", repository);
  if (!isValidRepositoryName(from)) return invalidName("repository name", from);
  if (!isValidDigest(digest)) return invalidName("digest", digest);
  kube::HttpRequest request;
  request.method = "POST";
  request.target = "/v2/" + repository + "/blobs/uploads/?mount=" + percentEncode(digest) +
                   "&from=" + percentEncode(from);
  const std::string scope = pushScope(repository) + " " + pullScope(from);
  auto response = send(request, scope);
  if (!response) return response.error();
  if (response->status == 201) return true;
  if (response->status != 202) {
    return registryError("POST " + request.target, response->status, response->body);
  }
  // Not mounted: the registry opened an upload instead. Cancel it, so that it does not wait for
  // bytes until the registry's purge (a week by default); it holds nothing, so a failed cancel
  // only leaves that wait.
  auto cancel_target = uploadTarget(response->header("location"), "POST " + request.target);
  if (cancel_target) {
    kube::HttpRequest cancel;
    cancel.method = "DELETE";
    cancel.target = *cancel_target;
    (void)send(cancel, pushScope(repository));
  }
  return false;
}

kube::Result<void> RegistryClient::uploadBlob(const std::string& repository,
                                              const std::string& digest, std::string_view bytes) {
  if (!isValidRepositoryName(repository)) return invalidName("repository name", repository);
  if (!isValidDigest(digest)) return invalidName("digest", digest);
  kube::HttpRequest start;
  start.method = "POST";
  start.target = "/v2/" + repository + "/blobs/uploads/";
  auto started = send(start, pushScope(repository));
  if (!started) return started.error();
  if (started->status != 202) {
    return registryError("POST " + start.target, started->status, started->body);
  }
  auto target = uploadTarget(started->header("location"), "POST " + start.target);
  if (!target) return target.error();

  kube::HttpRequest put;
  put.method = "PUT";
  put.target = *target + (target->find('?') == std::string::npos ? "?" : "&") +
               "digest=" + percentEncode(digest);
  put.headers["Content-Type"] = "application/octet-stream";
  put.body = std::string(bytes);
  put.timeout = kBlobTimeout;
  auto response = send(put, pushScope(repository));
  if (!response) return response.error();
  // The upload's URL carries the registry's state (_state=...), which means nothing to a
  // person: errors name the blob instead.
  const std::string what = "PUT the blob " + digest + " to " + repository;
  if (response->status != 201) return registryError(what, response->status, response->body);
  const std::string stored = response->header("docker-content-digest");
  if (!stored.empty() && stored != digest) {
    return kube::Error(kube::ErrorKind::Decode, what + ": the registry stored " + stored);
  }
  return {};
}

kube::Result<std::string> RegistryClient::putManifest(const std::string& repository,
                                                      const std::string& reference,
                                                      const std::string& media_type,
                                                      const std::string& body) {
  auto target = manifestTarget(repository, reference);
  if (!target) return target.error();
  const std::string digest = "sha256:" + runtime::sha256Hex(body);
  if (isValidDigest(reference) && reference != digest) {
    return kube::Error(kube::ErrorKind::Invalid,
                       "PUT " + *target + ": the manifest's digest is " + digest);
  }
  kube::HttpRequest request;
  request.method = "PUT";
  request.target = *target;
  request.headers["Content-Type"] = media_type;
  request.body = body;
  auto response = send(request, pushScope(repository));
  if (!response) return response.error();
  if (response->status < 200 || response->status >= 300) {
    return registryError("PUT " + *target, response->status, response->body);
  }
  const std::string stored = response->header("docker-content-digest");
  if (!stored.empty() && stored != digest) {
    return kube::Error(kube::ErrorKind::Decode, "PUT " + *target + ": the registry stored " +
                                                    stored + ", not the body's " + digest);
  }
  return digest;
}

}  // namespace oci

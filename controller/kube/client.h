#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "kube/config.h"
#include "kube/credentials.h"
#include "kube/http.h"
#include "kube/result.h"

namespace kube {

// Called after every API request with the verb ("GET", "WATCH", ...) and the HTTP status (0 when
// the server could not be reached). The runtime layer hangs its metrics on this.
using RequestObserver = std::function<void(const std::string& verb, int status)>;

// Adds authentication to requests, turns non-2xx answers into typed Errors, and reports each
// request to an observer. Thread-safe. A credential from a token file or an exec plugin is
// cached (CredentialSource); a 401 drops it, and the request, unary or watch, is sent once more
// with a fresh one. A unary request answered 429 with a Retry-After is sent again after that
// wait, up to ClusterConfig::max_throttled_retries times (its cancel token ends the wait).
class Client {
 public:
  Client(ClusterConfig config, HttpTransportPtr transport);

  // Builds the production (cpprestsdk) transport for `config`; runs an exec plugin first when the
  // kubeconfig names one, since it may supply the client certificate.
  static Result<std::shared_ptr<Client>> create(ClusterConfig config);

  // 2xx → the response; anything else → an Error parsed from the metav1.Status body.
  // A request whose `cancel` has already fired is not sent (Cancelled).
  Result<HttpResponse> send(HttpRequest request);
  Result<HttpResponse> stream(HttpRequest request, const LineSink& on_line,
                              const CancelToken& cancel);

  // The server refused this client's credential in a way send() and stream() cannot see, such
  // as an ERROR event with code 401 inside a watch stream: the next request fetches a fresh one
  // (re-reads the token file, re-runs the plugin). A no-op for a static token or certificate.
  void credentialRejected();

  void setObserver(RequestObserver observer);
  const ClusterConfig& config() const { return config_; }

 private:
  // Sets the Authorization header; returns the generation of the credential it used (0 for a
  // static one), for rejecting exactly that one after a 401.
  Result<std::uint64_t> authorize(HttpRequest& request);
  // After a 401 with credential `generation`: true when the request is worth sending again.
  bool rejected(std::uint64_t generation, int attempt);
  void observe(const std::string& verb, int status);

  ClusterConfig config_;
  HttpTransportPtr transport_;
  CredentialSource credentials_;  // has its own lock; none is held while a plugin runs
  std::mutex mutex_;              // guards the observer only
  RequestObserver observer_;
};
using ClientPtr = std::shared_ptr<Client>;

}  // namespace kube

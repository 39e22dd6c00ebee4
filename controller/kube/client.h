#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "kube/config.h"
#include "kube/exec_credential.h"
#include "kube/http.h"
#include "kube/result.h"

namespace kube {

// Called after every API request with the verb ("GET", "WATCH", ...) and the HTTP status (0 when
// the server could not be reached). The runtime layer hangs its metrics on this.
using RequestObserver = std::function<void(const std::string& verb, int status)>;

// Adds authentication to requests, turns non-2xx answers into typed Errors, and reports each
// request to an observer. Thread-safe.
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

  void setObserver(RequestObserver observer);
  const ClusterConfig& config() const { return config_; }

 private:
  Result<void> authorize(HttpRequest& request, bool force_refresh);
  void observe(const std::string& verb, int status);

  ClusterConfig config_;
  HttpTransportPtr transport_;
  std::mutex mutex_;  // guards the cached credentials and the observer
  std::string cached_token_;
  std::chrono::steady_clock::time_point token_read_at_{};
  std::optional<std::chrono::system_clock::time_point> token_expires_;
  RequestObserver observer_;
};
using ClientPtr = std::shared_ptr<Client>;

}  // namespace kube

#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "kube/cancel.h"
#include "kube/result.h"

namespace kube {

struct HttpRequest {
  std::string method = "GET";
  // Path and query, already encoded, relative to the server (e.g. "/api/v1/namespaces?limit=5").
  std::string target;
  std::map<std::string, std::string> headers;
  std::string body;
  // Overall deadline for unary requests; for streams, the longest quiet gap tolerated.
  std::chrono::seconds timeout{30};
  // Unary requests only (stream() takes its token as an argument): when it fires, send()
  // abandons the request at once, closing its connection, and returns a Cancelled error.
  // Whether the server had already acted on a write is then unknown, as after a timeout.
  // Empty: the request runs until it is answered or times out.
  std::optional<CancelToken> cancel;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_name) const;
};

// Receives one line of a streamed body (without the newline). Return false to stop reading.
using LineSink = std::function<bool(const std::string& line)>;

// The only door to the network. cpprestsdk lives behind it (cpprest_transport.cpp) so that no
// cpprestsdk type leaks into the rest of the code, and tests can script it.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends a request and reads the whole response. Any HTTP status is a successful send; only a
  // failure to talk to the server is an Error (kind Transport, or Cancelled when
  // `request.cancel` fired before the answer was read).
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;

  // Sends a request and hands each body line to `on_line` as it arrives. Non-2xx statuses are
  // returned with their full body and no lines delivered. Returns when the server ends the
  // body, `on_line` returns false, or `cancel` fires.
  virtual Result<HttpResponse> stream(const HttpRequest& request, const LineSink& on_line,
                                      const CancelToken& cancel) = 0;
};
using HttpTransportPtr = std::shared_ptr<HttpTransport>;

}  // namespace kube

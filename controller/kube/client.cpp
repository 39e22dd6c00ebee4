#include "kube/client.h"

#include <thread>

#include "kube/cpprest_transport.h"

namespace kube {

namespace {
bool isSuccess(int status) { return status >= 200 && status < 300; }
}  // namespace

Client::Client(ClusterConfig config, HttpTransportPtr transport)
    : config_(std::move(config)), transport_(std::move(transport)), credentials_(config_) {}

Result<std::shared_ptr<Client>> Client::create(ClusterConfig config) {
  std::optional<ExecCredential> credential;
  if (config.exec) {
    // Run the plugin once now: it may hand out a client certificate the transport needs.
    auto ran = runExecPlugin(*config.exec);
    if (!ran) return ran.error();
    credential = std::move(*ran);
    if (!credential->client_cert_pem.empty()) {
      // The transport keeps this certificate for its lifetime: a certificate the plugin hands
      // out later (after expiry or a 401) is not swapped in.
      config.client_cert_pem = credential->client_cert_pem;
      config.client_key_pem = credential->client_key_pem;
    }
  }
  auto transport = makeCpprestTransport(config);
  if (!transport) return transport.error();
  auto client = std::make_shared<Client>(std::move(config), std::move(*transport));
  // The first request uses this run's credential rather than running the plugin again.
  if (credential) client->credentials_.seed(*credential);
  return client;
}

void Client::setObserver(RequestObserver observer) {
  std::lock_guard lock(mutex_);
  observer_ = std::move(observer);
}

void Client::observe(const std::string& verb, int status) {
  RequestObserver observer;
  {
    std::lock_guard lock(mutex_);
    observer = observer_;
  }
  if (observer) observer(verb, status);
}

void Client::credentialRejected() { credentials_.rejectedCurrent(); }

Result<std::uint64_t> Client::authorize(HttpRequest& request) {
  if (!config_.bearer_token.empty()) {
    request.headers["Authorization"] = "Bearer " + config_.bearer_token;
    return std::uint64_t{0};
  }
  auto credential = credentials_.current();
  if (!credential) return credential.error();
  if (!*credential) return std::uint64_t{0};
  // A certificate-only credential sends no header (nor the token of a previous attempt).
  if ((*credential)->token.empty()) {
    request.headers.erase("Authorization");
  } else {
    request.headers["Authorization"] = "Bearer " + (*credential)->token;
  }
  return (*credential)->generation;
}

bool Client::rejected(std::uint64_t generation, int attempt) {
  if (!credentials_.dynamic()) return false;
  // A rotated or expired credential: drop it (unless a newer one has replaced it meanwhile),
  // and try once more with a fresh one before giving up.
  credentials_.rejected(generation);
  return attempt == 0;
}

Result<HttpResponse> Client::send(HttpRequest request) {
  const std::string verb = request.method;
  int throttled = 0;
  for (int attempt = 0;; ++attempt) {
    // Checked here as well as in the transport: a request whose caller already gave up is not
    // sent at all (nor is an exec plugin run for it).
    if (request.cancel && request.cancel->cancelled()) {
      return Error(ErrorKind::Cancelled, verb + " " + request.target + ": cancelled");
    }
    auto generation = authorize(request);
    if (!generation) return generation.error();
    request.headers.emplace("Accept", "application/json");
    auto response = transport_->send(request);
    observe(verb, response ? response->status : 0);
    if (!response) return response.error();
    if (isSuccess(response->status)) return response;
    if (response->status == 401 && rejected(*generation, attempt)) continue;
    Error error =
        errorFromResponse(response->status, response->body, response->header("retry-after"));
    // Too many requests, with a time to come back: the server did not act on the request (API
    // Priority and Fairness and the in-flight limits refuse before anything runs), so any verb
    // may be sent again. As client-go does, up to max_throttled_retries times, waiting as told
    // (at most kMaxRetryAfter each time), so that a throttled reconcile slows down instead of
    // failing and backing off for ever longer.
    if (error.is(ErrorKind::TooManyRequests) && error.retryAfter() &&
        throttled < config_.max_throttled_retries) {
      ++throttled;
      if (!request.cancel) {
        std::this_thread::sleep_for(*error.retryAfter());
      } else if (!request.cancel->sleepFor(*error.retryAfter())) {
        return Error(ErrorKind::Cancelled, verb + " " + request.target + ": cancelled");
      }
      continue;
    }
    return error;
  }
}

Result<HttpResponse> Client::stream(HttpRequest request, const LineSink& on_line,
                                    const CancelToken& cancel) {
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0 && cancel.cancelled()) {
      return Error(ErrorKind::Cancelled, "WATCH " + request.target + ": cancelled");
    }
    auto generation = authorize(request);
    if (!generation) return generation.error();
    request.headers.emplace("Accept", "application/json");
    auto response = transport_->stream(request, on_line, cancel);
    observe("WATCH", response ? response->status : 0);
    if (!response) return response.error();
    if (isSuccess(response->status)) return response;
    // A refused stream has delivered no lines (HttpTransport::stream), so sending it again
    // cannot repeat an event.
    if (response->status == 401 && rejected(*generation, attempt)) continue;
    return errorFromResponse(response->status, response->body, response->header("retry-after"));
  }
}

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

}  // namespace kube

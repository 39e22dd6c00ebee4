#include "kube/client.h"

#include <fstream>
#include <sstream>

#include "kube/cpprest_transport.h"

namespace kube {

namespace {
// Service-account tokens rotate on disk; kubelet refreshes them well before expiry, so
// re-reading once a minute is what client-go does too.
constexpr auto kTokenFileRefresh = std::chrono::seconds(60);

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

bool isSuccess(int status) { return status >= 200 && status < 300; }
}  // namespace

Client::Client(ClusterConfig config, HttpTransportPtr transport)
    : config_(std::move(config)), transport_(std::move(transport)) {}

Result<std::shared_ptr<Client>> Client::create(ClusterConfig config) {
  if (config.exec) {
    // Run the plugin once now: it may hand out a client certificate the transport needs.
    auto credential = runExecPlugin(*config.exec);
    if (!credential) return credential.error();
    if (!credential->client_cert_pem.empty()) {
      config.client_cert_pem = credential->client_cert_pem;
      config.client_key_pem = credential->client_key_pem;
    }
  }
  auto transport = makeCpprestTransport(config);
  if (!transport) return transport.error();
  return std::make_shared<Client>(std::move(config), std::move(*transport));
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

Result<void> Client::authorize(HttpRequest& request, bool force_refresh) {
  std::string token;
  if (!config_.bearer_token.empty()) {
    token = config_.bearer_token;
  } else if (!config_.token_file.empty() || config_.exec) {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    bool stale = cached_token_.empty() || force_refresh;
    if (!config_.token_file.empty()) {
      stale = stale || now - token_read_at_ > kTokenFileRefresh;
    } else if (token_expires_) {
      stale =
          stale || std::chrono::system_clock::now() + std::chrono::seconds(10) >= *token_expires_;
    }
    if (stale) {
      if (!config_.token_file.empty()) {
        std::ifstream in(config_.token_file);
        if (!in) return Error(ErrorKind::Config, "cannot read token file " + config_.token_file);
        std::ostringstream text;
        text << in.rdbuf();
        cached_token_ = trim(text.str());
      } else {
        auto credential = runExecPlugin(*config_.exec);
        if (!credential) return credential.error();
        cached_token_ = credential->token;
        token_expires_ = credential->expires;
      }
      token_read_at_ = now;
    }
    token = cached_token_;
  }
  if (!token.empty()) request.headers["Authorization"] = "Bearer " + token;
  return {};
}

Result<HttpResponse> Client::send(HttpRequest request) {
  const std::string verb = request.method;
  for (int attempt = 0; attempt < 2; ++attempt) {
    // Checked here as well as in the transport: a request whose caller already gave up is not
    // sent at all (nor is an exec plugin run for it).
    if (request.cancel && request.cancel->cancelled()) {
      return Error(ErrorKind::Cancelled, verb + " " + request.target + ": cancelled");
    }
    if (auto auth = authorize(request, attempt > 0); !auth) return auth.error();
    request.headers.emplace("Accept", "application/json");
    auto response = transport_->send(request);
    observe(verb, response ? response->status : 0);
    if (!response) return response.error();
    if (isSuccess(response->status)) return response;
    // A rotated or expired token: fetch a fresh one once before giving up.
    bool refreshable = !config_.token_file.empty() || config_.exec.has_value();
    if (response->status == 401 && refreshable && attempt == 0) continue;
    return errorFromResponse(response->status, response->body, response->header("retry-after"));
  }
  return Error(ErrorKind::Unauthorized, "unauthorized", 401);
}

Result<HttpResponse> Client::stream(HttpRequest request, const LineSink& on_line,
                                    const CancelToken& cancel) {
  if (auto auth = authorize(request, false); !auth) return auth.error();
  request.headers.emplace("Accept", "application/json");
  auto response = transport_->stream(request, on_line, cancel);
  observe("WATCH", response ? response->status : 0);
  if (!response) return response.error();
  if (!isSuccess(response->status)) {
    return errorFromResponse(response->status, response->body, response->header("retry-after"));
  }
  return response;
}

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

}  // namespace kube

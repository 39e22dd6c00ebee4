// `registry-operator auth-server`: the token service of `auth.type: Kubernetes`, the registry's
// auth.token realm. The decisions are in registry/token (TokenHandler); this file only loads
// the configuration, serves HTTP(S) with cpprestsdk's listener, and logs one line per request.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <spdlog/spdlog.h>

#include <cpprest/http_listener.h>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "cmd/commands.h"
#include "cmd/logging.h"
#include "cmd/options.h"
#include "kube/config.h"
#include "kube/cpprest_transport.h"
#include "registry/token/access_review.h"
#include "registry/token/signer.h"
#include "registry/token/token_handler.h"
#include "runtime/clock.h"
#include "runtime/signals.h"

namespace cmd {

namespace po = boost::program_options;
using web::http::http_request;
using web::http::http_response;

namespace {

// A token request is a short GET: anything longer is not one of ours.
constexpr std::size_t kMaxTargetLength = 8 * 1024;
constexpr std::size_t kMaxBodyLength = 64 * 1024;
// Requests answered at once (each may wait up to 10 s per review on the API server), and
// requests waiting for a worker; beyond that a client is told 503 rather than queued forever.
constexpr int kWorkers = 8;
constexpr std::size_t kMaxQueued = 256;
// How long the listener gives a client to send its request and to read the answer.
constexpr std::chrono::seconds kListenerTimeout{30};

// "90s", "5m", "1h", "300" (seconds).
std::optional<std::chrono::seconds> parseDuration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 7) return std::nullopt;
  long value = std::stol(text.substr(0, digits));
  std::string unit = text.substr(digits);
  if (unit.empty() || unit == "s") return std::chrono::seconds(value);
  if (unit == "m") return std::chrono::minutes(value);
  if (unit == "h") return std::chrono::hours(value);
  return std::nullopt;
}

kube::Result<std::string> readFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return kube::Error(kube::ErrorKind::Config, "cannot read " + what + " " + path);
  return text.str();
}

// The API server's address and CA, and nothing else: reviews carry the caller's token, so the
// kubeconfig's own credentials (or a service-account token) are never used.
kube::Result<kube::ClusterConfig> apiServerConfig(const std::string& kubeconfig,
                                                  const std::string& server,
                                                  const std::string& ca_file) {
  kube::ClusterConfig config;
  if (!kubeconfig.empty()) {
    auto loaded = kube::loadKubeconfigFile(kubeconfig);
    if (!loaded) return loaded.error();
    config.server = loaded->server;
    config.ca_pem = loaded->ca_pem;
    config.insecure_skip_tls_verify = loaded->insecure_skip_tls_verify;
    config.tls_server_name = loaded->tls_server_name;
  }
  if (!server.empty()) config.server = server;
  if (config.server.empty()) {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
    if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
      return kube::Error(kube::ErrorKind::Config,
                         "no API server: pass --api-server or --kubeconfig, or run in a cluster "
                         "(KUBERNETES_SERVICE_HOST/PORT)");
    }
    std::string host_text = host;
    if (host_text.find(':') != std::string::npos) host_text = "[" + host_text + "]";  // IPv6
    config.server = "https://" + host_text + ":" + port;
  }
  if (!ca_file.empty()) {
    auto ca = readFile(ca_file, "the API server's CA");
    if (!ca) return ca.error();
    config.ca_pem = *ca;
  }
  if (config.ca_pem.empty() && !config.insecure_skip_tls_verify) {
    return kube::Error(kube::ErrorKind::Config,
                       "no CA for the API server: pass --api-ca-file (e.g. the kube-root-ca.crt "
                       "ConfigMap's ca.crt) or a --kubeconfig that has one");
  }
  return config;
}

// Loads the serving certificate chain and key into a TLS context: TLS 1.2 at least.
kube::Result<void> useServingCertificate(SSL_CTX* context, const std::string& cert_file,
                                         const std::string& key_file) {
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  bool ok = SSL_CTX_use_certificate_chain_file(context, cert_file.c_str()) == 1 &&
            SSL_CTX_use_PrivateKey_file(context, key_file.c_str(), SSL_FILETYPE_PEM) == 1 &&
            SSL_CTX_check_private_key(context) == 1;
  ERR_clear_error();
  if (!ok) {
    return kube::Error(kube::ErrorKind::Config, "cannot use the serving certificate " + cert_file +
                                                    " with its key " + key_file);
  }
  return {};
}

// "http(s)://host:port" for cpprestsdk from ":5001", "0.0.0.0:5001", "[::]:5001".
std::optional<std::string> listenUri(const std::string& address, bool tls) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) return std::nullopt;
  std::string host = address.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  return std::string(tls ? "https" : "http") + "://" + host + ":" + address.substr(colon + 1);
}

void reply(const http_request& request, int status, const std::string& body,
           const std::map<std::string, std::string>& headers = {}) {
  http_response response(static_cast<web::http::status_code>(status));
  std::string content_type = "application/json";
  for (const auto& [name, value] : headers) {
    if (name == "Content-Type") {
      content_type = value;
    } else {
      response.headers().add(name, value);
    }
  }
  response.set_body(body, content_type);
  // The client may be gone; nothing to do about it but not to let the exception escape.
  request.reply(response).then([](const pplx::task<void>& sent) {
    try {
      sent.get();
    } catch (const std::exception&) {
    }
  });
}

const std::string kBusy =
    R"({"errors":[{"code":"UNAVAILABLE","message":"too many requests, try again"}]})";

// A fixed set of threads that answer requests: the handler blocks on reviews, which must not
// happen on cpprestsdk's own threads (the same pool runs the client that sends the reviews).
class Workers {
 public:
  explicit Workers(const registry::token::TokenHandler& handler) : handler_(handler) {
    for (int i = 0; i < kWorkers; ++i) threads_.emplace_back([this] { run(); });
  }
  ~Workers() { stop(); }

  void submit(http_request request) {
    {
      std::lock_guard lock(mutex_);
      if (!stopping_ && queue_.size() < kMaxQueued) {
        queue_.push_back(std::move(request));
        ready_.notify_one();
        return;
      }
    }
    reply(request, 503, kBusy);
  }

  // Answers what is queued, then ends the threads.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  void run() {
    for (;;) {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto request = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      answer(request);
    }
  }

  void answer(const http_request& request) {
    registry::token::TokenRequest token_request;
    token_request.method = request.method();
    token_request.path = request.request_uri().path();
    token_request.query = request.request_uri().query();
    auto header = request.headers().find("Authorization");
    if (header != request.headers().end()) token_request.authorization = header->second;
    token_request.remote_address = request.remote_address();
    auto response = handler_.handle(token_request);
    if (!response.log_line.empty()) spdlog::info("{}", response.log_line);
    reply(request, response.status, response.body, response.headers);
  }

  const registry::token::TokenHandler& handler_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<http_request> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

int runAuthServer(int argc, char** argv) {
  // First, before any thread exists: every later thread inherits the blocked signal mask.
  kube::CancelToken cancel;
  runtime::SignalHandler signals(cancel);

  po::options_description options("Options");
  std::string listen_addr, tls_cert, tls_key, signing_cert, signing_key, issuer, service, ttl_text;
  std::string api_server, api_ca_file, kubeconfig, log_level, log_format;
  options.add_options()("help,h", "show this help")("listen-addr",
                                                    po::value(&listen_addr)->default_value(":5001"),
                                                    "address to serve /auth/token and /healthz on")(
      "tls-cert-file", po::value(&tls_cert),
      "serving certificate chain (PEM); with --tls-key-file, else plain HTTP")(
      "tls-key-file", po::value(&tls_key), "serving key (PEM)")(
      "signing-cert-file", po::value(&signing_cert)->required(),
      "certificate of the token signing key: the registry's auth.token.rootcertbundle")(
      "signing-key-file", po::value(&signing_key)->required(),
      "EC P-256 private key (PEM) that signs the tokens (ES256)")(
      "issuer", po::value(&issuer)->default_value("registry-operator"),
      "token issuer: the registry's auth.token.issuer")(
      "service", po::value(&service)->required(),
      "the registry's auth.token.service; requests must name it, tokens carry it as aud")(
      "anonymous-pull", po::bool_switch(),
      "grant pull on every repository to requests without credentials (else 401)")(
      "token-ttl", po::value(&ttl_text)->default_value("5m"), "lifetime of a token (90s, 5m, 1h)")(
      "api-server", po::value(&api_server),
      "API server URL (default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)")(
      "api-ca-file", po::value(&api_ca_file),
      "CA of the API server (PEM), e.g. the kube-root-ca.crt ConfigMap's ca.crt")(
      "kubeconfig", po::value(&kubeconfig),
      "take the API server and its CA (only those) from this kubeconfig")(
      "log-level", po::value(&log_level)->default_value("info"), "error|warn|info|debug|trace")(
      "log-format", po::value(&log_format)->default_value("text"), "text|json");
  po::variables_map vars;
  if (auto exit = parseOptions(argc, argv, options, vars,
                               "Usage: registry-operator auth-server [OPTIONS]\n\n"
                               "Serves the registry's token realm (auth.token) for auth.type "
                               "Kubernetes: HTTP Basic credentials whose password is a Kubernetes "
                               "token, checked with the caller's own SelfSubjectReview and "
                               "SelfSubjectAccessReviews.")) {
    return *exit;
  }
  auto usage_error = [](const std::string& message) {
    std::cerr << "registry-operator auth-server: " << message << "\n";
    return 2;
  };
  if (auto logging = setupLogging(log_level, log_format); !logging) {
    return usage_error(logging.error().message());
  }
  if (tls_cert.empty() != tls_key.empty()) {
    return usage_error("--tls-cert-file and --tls-key-file go together");
  }
  auto ttl = parseDuration(ttl_text);
  if (!ttl || ttl->count() <= 0) return usage_error("--token-ttl is a duration like 90s, 5m, 1h");
  const bool tls = !tls_cert.empty();
  auto uri = listenUri(listen_addr, tls);
  if (!uri) return usage_error("--listen-addr is host:port or :port");

  registry::token::SignerOptions signer_options;
  signer_options.issuer = issuer;
  signer_options.audience = service;
  signer_options.ttl = *ttl;
  auto signer = registry::token::Signer::fromFiles(signing_key, signing_cert, signer_options);
  if (!signer) {
    spdlog::error("cannot load the token signing key: {}", signer.error().message());
    return 1;
  }
  auto api = apiServerConfig(kubeconfig, api_server, api_ca_file);
  if (!api) {
    spdlog::error("{}", api.error().message());
    return 1;
  }
  auto transport = kube::makeCpprestTransport(*api);
  if (!transport) {
    spdlog::error("cannot reach the API server: {}", transport.error().message());
    return 1;
  }
  auto reviewer =
      std::make_shared<registry::token::AccessReviewer>(*transport, runtime::realClock());
  registry::token::TokenHandler handler({service, vars["anonymous-pull"].as<bool>()}, *signer,
                                        reviewer, runtime::realClock());

  web::http::experimental::listener::http_listener_config listener_config;
  listener_config.set_timeout(kListenerTimeout);
  if (tls) {
    // Checked once here, so that bad files stop the server at start rather than fail each
    // handshake later.
    SSL_CTX* probe = SSL_CTX_new(TLS_server_method());
    auto usable = useServingCertificate(probe, tls_cert, tls_key);
    SSL_CTX_free(probe);
    if (!usable) {
      spdlog::error("{}", usable.error().message());
      return 1;
    }
    listener_config.set_ssl_context_callback([tls_cert, tls_key](boost::asio::ssl::context& ctx) {
      if (auto used = useServingCertificate(ctx.native_handle(), tls_cert, tls_key); !used) {
        spdlog::error("{}", used.error().message());
      }
    });
  }

  Workers workers(handler);
  int status = 0;
  try {
    web::http::experimental::listener::http_listener listener(*uri, listener_config);
    listener.support([&workers](http_request request) {
      // Bounds checked before a worker is taken: a token request is a short GET.
      if (request.request_uri().to_string().size() > kMaxTargetLength) {
        reply(request, 414,
              R"({"errors":[{"code":"BAD_REQUEST","message":"request target too long"}]})");
        return;
      }
      if (request.headers().content_length() > kMaxBodyLength) {
        reply(request, 413, R"({"errors":[{"code":"BAD_REQUEST","message":"body too large"}]})");
        return;
      }
      workers.submit(std::move(request));
    });
    listener.open().wait();
    spdlog::info(
        "registry-operator auth-server {} serving {} on {} (service {}, issuer {}, kid {}, "
        "API server {}, anonymous pull {}, token lifetime {}s)",
        REGISTRY_OPERATOR_VERSION, registry::token::kRealmPath, *uri, service, issuer,
        (*signer)->keyId(), api->server, vars["anonymous-pull"].as<bool>() ? "on" : "off",
        ttl->count());
    while (cancel.sleepFor(std::chrono::hours(1))) {
    }
    spdlog::info("shutdown requested: closing the listener");
    listener.close().wait();
  } catch (const std::exception& error) {
    spdlog::error("cannot serve on {}: {}", *uri, error.what());
    status = 1;
  }
  workers.stop();
  spdlog::info("registry-operator auth-server stopped (exit status {})", status);
  return status;
}

}  // namespace cmd

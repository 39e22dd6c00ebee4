#include "kube/cpprest_transport.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <pplx/threadpool.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>

namespace kube {

namespace {

// cpprestsdk's thread pool can free OpenSSL objects after OpenSSL's own atexit cleanup, which
// crashes or hangs at exit; initialising OpenSSL without that cleanup first avoids it.
const bool kOpenSslInitialised = OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;

using X509Ptr = std::shared_ptr<X509>;
using KeyPtr = std::shared_ptr<EVP_PKEY>;

std::string openSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no PEM data found";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

Result<std::vector<X509Ptr>> parseCertificates(const std::string& pem, const std::string& what) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::vector<X509Ptr> certificates;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(cert, X509_free);
  }
  ERR_clear_error();  // the loop always ends on a "no start line" error
  if (certificates.empty()) {
    return Error(ErrorKind::Config, what + " contains no PEM certificate");
  }
  return certificates;
}

Result<KeyPtr> parseKey(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return Error(ErrorKind::Config, "client key is not a PEM private key (" + openSslError() + ")");
  }
  return KeyPtr(key, EVP_PKEY_free);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

struct TlsMaterial {
  std::vector<X509Ptr> authorities;
  std::vector<X509Ptr> client_chain;
  KeyPtr client_key;
};

class CpprestTransport final : public HttpTransport {
 public:
  CpprestTransport(const ClusterConfig& config, TlsMaterial tls)
      : server_(config.server),
        verify_(!config.insecure_skip_tls_verify),
        tls_(std::make_shared<TlsMaterial>(std::move(tls))) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    // cpprestsdk closes the request's connection when its token is cancelled (so it never goes
    // back to the pool); the token covers reading the body as well.
    pplx::cancellation_token_source source;
    std::optional<CancelForwarding> forwarding;
    if (request.cancel) forwarding.emplace(*request.cancel, source);
    try {
      auto client = clientFor(request.timeout);
      auto response = client->request(toCpprest(request), source.get_token()).get();
      return fromCpprest(response, /*read_body=*/true);
    } catch (const std::exception& error) {
      if (request.cancel && request.cancel->cancelled()) return cancelledError(request);
      return transportError(error);
    }
  }

  Result<HttpResponse> stream(const HttpRequest& request, const LineSink& on_line,
                              const CancelToken& cancel) override {
    pplx::cancellation_token_source source;
    CancelForwarding forwarding(cancel, source);
    try {
      // A client of its own: its idle timeout is the longest quiet gap this stream tolerates.
      web::http::client::http_client client(server_, makeConfig(request.timeout));
      auto response = client.request(toCpprest(request), source.get_token()).get();
      if (response.status_code() < 200 || response.status_code() >= 300) {
        return fromCpprest(response, /*read_body=*/true);
      }
      auto result = fromCpprest(response, /*read_body=*/false);
      auto body = response.body();
      while (!cancel.cancelled()) {
        concurrency::streams::container_buffer<std::string> line;
        std::size_t count = body.read_line(line).get();
        if (count == 0 && body.is_eof()) break;
        if (count == 0) continue;  // blank keep-alive line
        if (!on_line(line.collection())) {
          source.cancel();  // closes the connection; the server sees the client go away
          break;
        }
      }
      if (cancel.cancelled()) return Error(ErrorKind::Cancelled, "stream cancelled");
      return result;
    } catch (const std::exception& error) {
      if (cancel.cancelled()) return Error(ErrorKind::Cancelled, "stream cancelled");
      return transportError(error);
    }
  }

 private:
  // Cancels a cpprestsdk token source when our token fires, for as long as it lives.
  class CancelForwarding {
   public:
    CancelForwarding(const CancelToken& token, const pplx::cancellation_token_source& source)
        : token_(token), id_(token.onCancel([source]() { source.cancel(); })) {}
    ~CancelForwarding() { token_.unsubscribe(id_); }
    CancelForwarding(const CancelForwarding&) = delete;
    CancelForwarding& operator=(const CancelForwarding&) = delete;

   private:
    CancelToken token_;
    std::size_t id_;
  };

  static Error cancelledError(const HttpRequest& request) {
    return Error(ErrorKind::Cancelled, request.method + " " + request.target + ": cancelled");
  }

  web::http::client::http_client_config makeConfig(std::chrono::seconds timeout) const {
    web::http::client::http_client_config config;
    config.set_timeout(timeout);
    config.set_validate_certificates(verify_);
    auto tls = tls_;
    config.set_ssl_context_callback([tls](boost::asio::ssl::context& context) {
      SSL_CTX* ctx = context.native_handle();
      if (!tls->authorities.empty()) {
        // A kubeconfig's CA is the only one trusted for its server (as in client-go): a fresh
        // store drops the system roots that cpprestsdk loaded, so a certificate from any public
        // CA for the same name is refused.
        X509_STORE* store = X509_STORE_new();
        for (const auto& cert : tls->authorities) X509_STORE_add_cert(store, cert.get());
        SSL_CTX_set_cert_store(ctx, store);  // takes ownership, frees the old store
      }
      if (tls->client_key) {
        SSL_CTX_use_certificate(ctx, tls->client_chain.front().get());
        for (std::size_t i = 1; i < tls->client_chain.size(); ++i) {
          X509_up_ref(tls->client_chain[i].get());
          SSL_CTX_add_extra_chain_cert(ctx, tls->client_chain[i].get());
        }
        SSL_CTX_use_PrivateKey(ctx, tls->client_key.get());
      }
      ERR_clear_error();
    });
    return config;
  }

  std::shared_ptr<web::http::client::http_client> clientFor(std::chrono::seconds timeout) {
    std::lock_guard lock(mutex_);
    auto& client = clients_[timeout];
    if (!client) {
      client = std::make_shared<web::http::client::http_client>(server_, makeConfig(timeout));
    }
    return client;
  }

  static web::http::http_request toCpprest(const HttpRequest& request) {
    web::http::http_request out(request.method);
    out.set_request_uri(request.target);
    std::string content_type = "application/json";
    for (const auto& [name, value] : request.headers) {
      if (lower(name) == "content-type") {
        content_type = value;
      } else {
        out.headers().add(name, value);
      }
    }
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      out.set_body(request.body, content_type);
    }
    return out;
  }

  static HttpResponse fromCpprest(web::http::http_response& response, bool read_body) {
    HttpResponse out;
    out.status = response.status_code();
    for (const auto& [name, value] : response.headers()) out.headers[lower(name)] = value;
    if (read_body) {
      auto bytes = response.extract_vector().get();
      out.body.assign(bytes.begin(), bytes.end());
    }
    return out;
  }

  Error transportError(const std::exception& error) const {
    std::string message = error.what();
    if (message.find("Failed to read HTTP status line") != std::string::npos && tls_->client_key) {
      message =
          "the server closed the connection before answering; it most likely rejected "
          "the client certificate (" +
          message + ")";
    }
    return Error(ErrorKind::Transport, "cannot talk to " + server_ + ": " + message);
  }

  std::string server_;
  bool verify_;
  std::shared_ptr<TlsMaterial> tls_;
  std::mutex mutex_;
  std::map<std::chrono::seconds, std::shared_ptr<web::http::client::http_client>> clients_;
};

}  // namespace

Result<HttpTransportPtr> makeCpprestTransport(const ClusterConfig& config) {
  (void)kOpenSslInitialised;
  if (!web::uri::validate(config.server) || web::uri(config.server).host().empty()) {
    return Error(ErrorKind::Config, "invalid server address \"" + config.server + "\"");
  }
  TlsMaterial tls;
  if (!config.ca_pem.empty()) {
    auto authorities = parseCertificates(config.ca_pem, "certificate-authority");
    if (!authorities) return authorities.error();
    tls.authorities = std::move(*authorities);
  }
  if (!config.client_cert_pem.empty()) {
    auto chain = parseCertificates(config.client_cert_pem, "client-certificate");
    if (!chain) return chain.error();
    auto key = parseKey(config.client_key_pem);
    if (!key) return key.error();
    if (X509_check_private_key(chain->front().get(), key->get()) != 1) {
      ERR_clear_error();
      return Error(ErrorKind::Config, "client-key does not match client-certificate");
    }
    tls.client_chain = std::move(*chain);
    tls.client_key = std::move(*key);
  }
  try {
    return HttpTransportPtr(std::make_shared<CpprestTransport>(config, std::move(tls)));
  } catch (const std::exception& error) {
    return Error(ErrorKind::Config,
                 "invalid server address " + config.server + ": " + error.what());
  }
}

Result<void> setIoThreads(std::size_t threads) {
  if (threads == 0) return Error(ErrorKind::Config, "the I/O thread pool needs at least 1 thread");
  try {
    crossplat::threadpool::initialize_with_threads(threads);
  } catch (const std::exception& error) {
    return Error(ErrorKind::Config,
                 std::string("cannot size the I/O thread pool: ") + error.what());
  }
  return {};
}

}  // namespace kube

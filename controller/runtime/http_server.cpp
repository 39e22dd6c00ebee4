#include "runtime/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace runtime {

namespace {

constexpr std::size_t kMaxRequestBytes = 8192;
constexpr int kMaxConnections = 32;
constexpr int kSocketTimeoutSeconds = 5;

struct NamedCheck {
  std::string name;
  HttpServer::Check check;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

const char* reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    default:
      return "Error";
  }
}

// "[+]name ok" lines like Kubernetes' own health endpoints, then the verdict.
Response runChecks(const std::vector<NamedCheck>& checks, const std::string& endpoint,
                   bool verbose) {
  bool all_ok = true;
  std::string report = "[+]ping ok\n";
  for (const auto& [name, check] : checks) {
    bool ok = false;
    try {
      ok = check();
    } catch (const std::exception& e) {
      spdlog::warn("{} check {} threw: {}", endpoint, name, e.what());
    }
    all_ok = all_ok && ok;
    report += (ok ? "[+]" : "[-]") + name + (ok ? " ok\n" : " failed\n");
  }
  report += endpoint + (all_ok ? " check passed\n" : " check failed\n");
  return {all_ok ? 200 : 500, "text/plain; charset=utf-8",
          verbose || !all_ok ? report : std::string("ok")};
}

struct Endpoint {
  std::string host;  // "" = all interfaces
  std::string port;
};

std::optional<Endpoint> parseAddress(const std::string& address) {
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find("]:");
    if (close == std::string::npos) return std::nullopt;
    return Endpoint{address.substr(1, close - 1), address.substr(close + 2)};
  }
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return Endpoint{"", address};
  return Endpoint{address.substr(0, colon), address.substr(colon + 1)};
}

bool sendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

struct HttpServer::Impl {
  std::string address;
  MetricsPtr metrics;

  std::mutex mutex;  // guards the checks and the connection count
  std::condition_variable connections_changed;
  std::vector<NamedCheck> health_checks;
  std::vector<NamedCheck> ready_checks;
  int connections = 0;

  int listen_fd = -1;
  int wake_pipe[2] = {-1, -1};  // written to by stop() to end the accept loop
  int bound_port = 0;
  std::string bound_host;
  std::thread acceptor;

  Response route(const std::string& method, const std::string& target) {
    if (method != "GET" && method != "HEAD") return {405, "text/plain; charset=utf-8", ""};
    const auto question = target.find('?');
    const std::string path = target.substr(0, question);
    const bool verbose =
        question != std::string::npos && target.find("verbose", question) != std::string::npos;
    if (path == "/healthz" || path == "/readyz") {
      std::vector<NamedCheck> checks;
      {
        std::lock_guard guard(mutex);
        checks = path == "/healthz" ? health_checks : ready_checks;
      }
      return runChecks(checks, path.substr(1), verbose);
    }
    if (path == "/metrics" && metrics) {
      return {200, "text/plain; version=0.0.4; charset=utf-8", metrics->render()};
    }
    return {404, "text/plain; charset=utf-8", "404 page not found\n"};
  }

  void serve(int fd) {
    timeval timeout{kSocketTimeoutSeconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    std::string request;
    char buffer[2048];
    Response response{400, "text/plain; charset=utf-8", "bad request\n"};
    std::string method;
    while (request.find("\r\n\r\n") == std::string::npos) {
      if (request.size() > kMaxRequestBytes) {
        response = {431, "text/plain; charset=utf-8", "request too large\n"};
        break;
      }
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // the client left, or was too slow: nothing to answer
      request.append(buffer, static_cast<std::size_t>(n));
    }
    if (request.find("\r\n\r\n") != std::string::npos) {
      // "GET /path HTTP/1.1"
      const auto line_end = request.find("\r\n");
      const auto first_space = request.find(' ');
      const auto second_space = request.find(' ', first_space + 1);
      if (first_space < line_end && second_space < line_end) {
        method = request.substr(0, first_space);
        try {
          response = route(method, request.substr(first_space + 1, second_space - first_space - 1));
        } catch (const std::exception& e) {
          spdlog::warn("http server: {}", e.what());
          response = {500, "text/plain; charset=utf-8", "internal error\n"};
        }
      }
    }
    std::string head =
        "HTTP/1.1 " + std::to_string(response.status) + " " + reasonPhrase(response.status) +
        "\r\nContent-Type: " + response.content_type +
        "\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n";
    if (response.status == 405) head += "Allow: GET, HEAD\r\n";
    head += "\r\n";
    if (method != "HEAD") head += response.body;
    if (!sendAll(fd, head)) return;
    // Lingering close: closing with unread input would reset the connection, and the client
    // could lose the answer (e.g. the 431 to an oversized request). Read what is left, bounded.
    ::shutdown(fd, SHUT_WR);
    for (std::size_t drained = 0; drained < 16 * kMaxRequestBytes;) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      drained += static_cast<std::size_t>(n);
    }
  }

  void acceptLoop(const std::shared_ptr<Impl>& self) {
    while (true) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        spdlog::error("http server: poll: {}", std::strerror(errno));
        return;
      }
      if (fds[1].revents != 0) return;  // stop()
      if ((fds[0].revents & POLLIN) == 0) continue;
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      {
        std::lock_guard guard(mutex);
        if (connections >= kMaxConnections) {
          ::close(fd);  // shed load rather than queue without bound
          continue;
        }
        ++connections;
      }
      // One short-lived thread per connection, so a slow client cannot hold up the probes.
      std::thread([self, fd] {
        self->serve(fd);
        ::close(fd);
        {
          std::lock_guard guard(self->mutex);
          --self->connections;
        }
        self->connections_changed.notify_all();
      }).detach();
    }
  }
};

HttpServer::HttpServer(std::string address, MetricsPtr metrics) : impl_(std::make_shared<Impl>()) {
  impl_->address = std::move(address);
  impl_->metrics = std::move(metrics);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::addHealthCheck(std::string name, Check check) {
  std::lock_guard guard(impl_->mutex);
  impl_->health_checks.push_back({std::move(name), std::move(check)});
}

void HttpServer::addReadyCheck(std::string name, Check check) {
  std::lock_guard guard(impl_->mutex);
  impl_->ready_checks.push_back({std::move(name), std::move(check)});
}

kube::Result<void> HttpServer::start() {
  if (impl_->acceptor.joinable()) return {};
  const auto fail = [&](const std::string& what) {
    return kube::Error(kube::ErrorKind::Other, "cannot listen on " + impl_->address + ": " + what);
  };
  const auto endpoint = parseAddress(impl_->address);
  if (!endpoint) return fail("expected host:port");

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(endpoint->host.empty() ? nullptr : endpoint->host.c_str(),
                               endpoint->port.c_str(), &hints, &found);
  if (rc != 0) return fail(gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);

  int fd = -1;
  std::string last_error = "no address";
  for (auto* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 64) == 0) break;
    last_error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  if (fd < 0) return fail(last_error);

  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  char host[NI_MAXHOST] = {};
  char port[NI_MAXSERV] = {};
  ::getnameinfo(reinterpret_cast<sockaddr*>(&bound), length, host, sizeof host, port, sizeof port,
                NI_NUMERICHOST | NI_NUMERICSERV);
  if (::pipe2(impl_->wake_pipe, O_CLOEXEC) != 0) {
    ::close(fd);
    return fail(std::strerror(errno));
  }
  impl_->listen_fd = fd;
  impl_->bound_port = std::atoi(port);
  impl_->bound_host = bound.ss_family == AF_INET6 ? "[" + std::string(host) + "]" : host;
  impl_->acceptor = std::thread([impl = impl_] { impl->acceptLoop(impl); });
  spdlog::info("serving /healthz, /readyz{} on {}", impl_->metrics ? ", /metrics" : "", url());
  return {};
}

void HttpServer::stop() {
  if (!impl_->acceptor.joinable()) return;
  const char byte = 1;
  (void)!::write(impl_->wake_pipe[1], &byte, 1);
  impl_->acceptor.join();
  ::close(impl_->listen_fd);
  ::close(impl_->wake_pipe[0]);
  ::close(impl_->wake_pipe[1]);
  impl_->listen_fd = -1;
  // Requests in flight finish within their socket timeouts; the checks they run may refer to
  // objects the caller is about to destroy, so wait for them (bounded).
  std::unique_lock lock(impl_->mutex);
  impl_->connections_changed.wait_for(lock, std::chrono::seconds(2 * kSocketTimeoutSeconds),
                                      [&] { return impl_->connections == 0; });
}

int HttpServer::port() const { return impl_->bound_port; }

std::string HttpServer::url() const {
  return "http://" + impl_->bound_host + ":" + std::to_string(impl_->bound_port);
}

}  // namespace runtime

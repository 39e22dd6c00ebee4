#include "runtime/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
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

using SteadyClock = std::chrono::steady_clock;

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

// Waits until `fd` is ready for `events` (or has an error or hang-up, which the next
// send/recv reports) or `deadline` passes (false). The socket is non-blocking: this poll() is
// the only place a connection waits, so every wait is bounded by the connection's deadline.
bool waitReady(int fd, short events, SteadyClock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd entry{fd, events, 0};
    const int rc = ::poll(&entry, 1, static_cast<int>(std::min<long long>(left.count(), 60000)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return false;
    if (rc > 0) return true;
  }
}

bool sendAll(int fd, const std::string& data, SteadyClock::time_point deadline) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n =
        ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waitReady(fd, POLLOUT, deadline))
      continue;
    return false;
  }
  return true;
}

}  // namespace

struct HttpServer::Impl {
  // What a connection is doing, for eviction and for stop(): only connections that are not
  // being answered may be cut without losing an answer.
  enum class Phase { Reading, Answering, Lingering, Cut };
  struct Connection {
    int fd;
    SteadyClock::time_point accepted;
    Phase phase;
  };

  std::string address;
  MetricsPtr metrics;
  HttpServerLimits limits;

  mutable std::mutex mutex;  // guards the checks, the connections and the counters
  std::condition_variable connections_changed;
  std::vector<NamedCheck> health_checks;
  std::vector<NamedCheck> ready_checks;
  // Open connections by id. A connection leaves this map (under the mutex) before its fd is
  // closed, so shutdown() on an fd found here never hits a reused descriptor.
  std::map<std::uint64_t, Connection> connections;
  std::uint64_t next_id = 0;
  int running_routes = 0;  // requests inside route() (running checks)
  bool stopping = false;
  std::uint64_t evicted = 0;
  std::uint64_t accept_errors = 0;

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

  // Moves a connection to `phase` unless it was cut meanwhile; false when it was (or when
  // the server is stopping and `phase` would run a request).
  bool enter(std::uint64_t id, Phase phase) {
    std::lock_guard guard(mutex);
    auto& connection = connections.at(id);
    if (connection.phase == Phase::Cut) return false;
    if (phase == Phase::Answering) {
      if (stopping) return false;
      ++running_routes;
    }
    connection.phase = phase;
    return true;
  }

  // Cuts a connection: its thread's next poll/recv/send returns at once, and it closes.
  void cutLocked(Connection& connection) {
    ::shutdown(connection.fd, SHUT_RDWR);
    connection.phase = Phase::Cut;
  }

  void serve(std::uint64_t id, int fd) {
    const auto head_deadline = SteadyClock::now() + limits.request_head_timeout;
    std::string request;
    char buffer[2048];
    Response response{400, "text/plain; charset=utf-8", "bad request\n"};
    std::string method;
    while (request.find("\r\n\r\n") == std::string::npos) {
      if (request.size() > kMaxRequestBytes) {
        response = {431, "text/plain; charset=utf-8", "request too large\n"};
        break;
      }
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        request.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      // Progress does not extend the deadline: a client trickling bytes is cut like a silent one.
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
          waitReady(fd, POLLIN, head_deadline))
        continue;
      return;  // the client left, was too slow, or was cut: nothing to answer
    }
    if (!enter(id, Phase::Answering)) return;
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
    {
      std::lock_guard guard(mutex);
      --running_routes;
    }
    connections_changed.notify_all();
    std::string head =
        "HTTP/1.1 " + std::to_string(response.status) + " " + reasonPhrase(response.status) +
        "\r\nContent-Type: " + response.content_type +
        "\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n";
    if (response.status == 405) head += "Allow: GET, HEAD\r\n";
    head += "\r\n";
    if (method != "HEAD") head += response.body;
    const auto response_deadline = SteadyClock::now() + limits.response_timeout;
    if (!sendAll(fd, head, response_deadline)) return;
    // Lingering close: closing with unread input would reset the connection, and the client
    // could lose the answer (e.g. the 431 to an oversized request). Read what is left, bounded
    // in bytes and by the response deadline; the connection may be evicted meanwhile.
    ::shutdown(fd, SHUT_WR);
    if (!enter(id, Phase::Lingering)) return;
    for (std::size_t drained = 0; drained < 16 * kMaxRequestBytes;) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        drained += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
          waitReady(fd, POLLIN, response_deadline))
        continue;
      break;
    }
  }

  // Makes room for one more connection: true when there is room (possibly after cutting the
  // oldest connection that is not being answered), false when every connection is being
  // answered. Cut connections still count as open until their thread closes them (promptly: a
  // cut socket fails its next wait at once), so threads stay bounded by twice the limit.
  bool admitLocked() {
    int live = 0;
    Connection* oldest = nullptr;
    for (auto& [id, connection] : connections) {
      if (connection.phase == Phase::Cut) continue;
      ++live;
      if (connection.phase != Phase::Answering &&
          (oldest == nullptr || connection.accepted < oldest->accepted)) {
        oldest = &connection;
      }
    }
    if (live < limits.max_connections) return true;
    if (oldest == nullptr ||
        connections.size() >= 2 * static_cast<std::size_t>(limits.max_connections)) {
      return false;
    }
    cutLocked(*oldest);
    ++evicted;
    return true;
  }

  // After a failed accept(): the listening socket stays readable while the cause lasts (EMFILE
  // until a descriptor is freed), so polling it again at once would spin a core. Waits on the
  // wake pipe only; false when stop() was called meanwhile.
  bool backOff() {
    pollfd wake{wake_pipe[0], POLLIN, 0};
    const int rc = ::poll(&wake, 1, static_cast<int>(limits.accept_backoff.count()));
    return !(rc > 0 && wake.revents != 0);
  }

  void acceptLoop(const std::shared_ptr<Impl>& self) {
    bool failing = false;  // log an accept() failure once per episode, not once per retry
    while (true) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        spdlog::error("http server: poll: {}", std::strerror(errno));
        return;
      }
      if (fds[1].revents != 0) return;  // stop()
      if (fds[0].revents == 0) continue;
      const int fd = (fds[0].revents & POLLIN) != 0
                         ? ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)
                         : -1;
      if (fd < 0) {
        const int error = (fds[0].revents & POLLIN) != 0 ? errno : EIO;
        // Failures of one pending connection, or none pending after all: try the next at once.
        if (error == EINTR || error == EAGAIN || error == EWOULDBLOCK || error == ECONNABORTED ||
            error == EPROTO) {
          continue;
        }
        {
          std::lock_guard guard(mutex);
          ++accept_errors;
        }
        if (!failing) {
          spdlog::warn("http server: accept: {}; retrying every {} ms", std::strerror(error),
                       limits.accept_backoff.count());
          failing = true;
        }
        if (!backOff()) return;
        continue;
      }
      if (failing) {
        spdlog::info("http server: accepting connections again");
        failing = false;
      }
      std::uint64_t id = 0;
      {
        std::lock_guard guard(mutex);
        if (!admitLocked()) {
          ::close(fd);  // shed load rather than queue without bound
          continue;
        }
        id = next_id++;
        connections.emplace(id, Connection{fd, SteadyClock::now(), Phase::Reading});
      }
      // One short-lived thread per connection, so a slow client cannot hold up the probes.
      std::thread([self, id, fd] {
        self->serve(id, fd);
        {
          std::lock_guard guard(self->mutex);
          self->connections.erase(id);
        }
        ::close(fd);
        self->connections_changed.notify_all();
      }).detach();
    }
  }
};

HttpServer::HttpServer(std::string address, MetricsPtr metrics, HttpServerLimits limits)
    : impl_(std::make_shared<Impl>()) {
  impl_->address = std::move(address);
  impl_->metrics = std::move(metrics);
  impl_->limits = limits;
  if (impl_->limits.max_connections < 1) impl_->limits.max_connections = 1;
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

  auto& impl = *impl_;
  std::unique_lock lock(impl.mutex);
  // From here on no request starts running checks, and clients still sending theirs are cut:
  // they have no answer coming that anyone could lose.
  impl.stopping = true;
  for (auto& [id, connection] : impl.connections) {
    if (connection.phase != Impl::Phase::Answering) impl.cutLocked(connection);
  }
  // Requests being answered get a short drain, then they are cut too.
  if (!impl.connections_changed.wait_for(lock, impl.limits.drain_timeout,
                                         [&] { return impl.connections.empty(); })) {
    for (auto& [id, connection] : impl.connections) impl.cutLocked(connection);
  }
  // Cut connections close at once; only a check still running can take longer. Wait for the
  // checks whatever they take: they may use objects the caller is about to destroy.
  if (!impl.connections_changed.wait_for(lock, impl.limits.drain_timeout,
                                         [&] { return impl.running_routes == 0; })) {
    spdlog::warn("http server: waiting for a health or readiness check to return");
    impl.connections_changed.wait(lock, [&] { return impl.running_routes == 0; });
  }
  // Threads still open only close their socket now and hold nothing but this Impl.
  impl.connections_changed.wait_for(lock, impl.limits.drain_timeout,
                                    [&] { return impl.connections.empty(); });
}

HttpServer::Stats HttpServer::stats() const {
  std::lock_guard guard(impl_->mutex);
  Stats stats;
  stats.open_connections = static_cast<int>(impl_->connections.size());
  stats.evicted = impl_->evicted;
  stats.accept_errors = impl_->accept_errors;
  return stats;
}

int HttpServer::port() const { return impl_->bound_port; }

std::string HttpServer::url() const {
  return "http://" + impl_->bound_host + ":" + std::to_string(impl_->bound_port);
}

}  // namespace runtime

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "kube/cpprest_transport.h"

using namespace std::chrono_literals;

namespace {

// One HTTP exchange on 127.0.0.1 (loopback only, no network): accepts one connection, reads
// the request head, then writes `answer` (or, when it is empty, never answers) and waits for
// the client to close the connection.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::string answer = {}) : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      FAIL("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);  // wakes accept() if no client came
    thread_.join();
    ::close(listener_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Waits (bounded) until the whole request head has arrived.
  bool awaitRequest() {
    return await([this] { return got_request_; });
  }
  // Waits (bounded) until the client has closed its end.
  bool awaitClosed() {
    return await([this] { return closed_; });
  }

 private:
  bool await(const std::function<bool()>& condition) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, condition);
  }

  void set(bool& flag) {
    {
      std::lock_guard guard(mutex_);
      flag = true;
    }
    changed_.notify_all();
  }

  // Reads what is there, for up to 100 ms; false once the peer closed or on error.
  bool readSome(int fd, std::string& into) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) return true;
    char buffer[4096];
    const auto count = ::read(fd, buffer, sizeof buffer);
    if (count <= 0) return false;
    into.append(buffer, static_cast<std::size_t>(count));
    return true;
  }

  void serve() {
    const int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) return;
    std::string request;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    bool open = true;
    while (open && !stopping_ && std::chrono::steady_clock::now() < deadline &&
           request.find("\r\n\r\n") == std::string::npos) {
      open = readSome(connection, request);
    }
    if (request.find("\r\n\r\n") != std::string::npos) {
      set(got_request_);
      if (!answer_.empty()) (void)!::write(connection, answer_.data(), answer_.size());
    }
    std::string rest;
    while (open && !stopping_ && std::chrono::steady_clock::now() < deadline) {
      open = readSome(connection, rest);
    }
    if (!open) set(closed_);
    ::close(connection);
  }

  std::string answer_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool got_request_ = false;
  bool closed_ = false;
  std::thread thread_;
};

kube::HttpTransportPtr transportFor(const LoopbackServer& server) {
  kube::ClusterConfig config;
  config.server = server.url();
  auto transport = kube::makeCpprestTransport(config);
  REQUIRE(transport);
  return *transport;
}

}  // namespace

TEST_CASE("cpprest transport: a request in flight is abandoned at once when its token fires") {
  LoopbackServer server;  // never answers
  auto transport = transportFor(server);
  kube::CancelToken cancel;
  kube::HttpRequest request;
  request.target = "/api/v1/namespaces";
  request.timeout = 60s;  // far beyond what the test waits
  request.cancel = cancel;
  std::atomic<bool> in_flight{false};
  std::thread canceller([&] {
    // Once the server holds the request, it is surely in flight.
    in_flight = server.awaitRequest();
    cancel.cancel();
  });
  const auto started = std::chrono::steady_clock::now();
  auto response = transport->send(request);
  const auto took = std::chrono::steady_clock::now() - started;
  canceller.join();
  CHECK(in_flight);
  REQUIRE_FALSE(response);
  CHECK(response.error().kind() == kube::ErrorKind::Cancelled);
  CHECK(took < 15s);
  // The connection was closed rather than left open for reuse.
  CHECK(server.awaitClosed());
}

TEST_CASE("cpprest transport: a token that never fires leaves the request alone") {
  LoopbackServer server(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
      "Connection: close\r\n\r\n{}");
  auto transport = transportFor(server);
  kube::HttpRequest request;
  request.target = "/version";
  request.cancel = kube::CancelToken();
  auto response = transport->send(request);
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body == "{}");
}

TEST_CASE("cpprest transport: a token that already fired fails the request as Cancelled") {
  LoopbackServer server;
  auto transport = transportFor(server);
  kube::CancelToken cancel;
  cancel.cancel();
  kube::HttpRequest request;
  request.target = "/version";
  request.cancel = cancel;
  auto response = transport->send(request);
  REQUIRE_FALSE(response);
  CHECK(response.error().kind() == kube::ErrorKind::Cancelled);
}

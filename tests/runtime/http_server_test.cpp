#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <string>

#include <catch2/catch.hpp>

#include "runtime/http_server.h"
#include "runtime/metrics.h"
#include "runtime/signals.h"

namespace {

struct Reply {
  int status = 0;
  std::string head;
  std::string body;
};

// Sends `request` as is and reads the whole answer (the server closes each connection).
Reply roundTrip(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) response.append(buffer, n);
  close(fd);
  Reply reply;
  if (response.size() > 12) reply.status = std::stoi(response.substr(9, 3));
  const auto body = response.find("\r\n\r\n");
  reply.head = response.substr(0, body);
  if (body != std::string::npos) reply.body = response.substr(body + 4);
  return reply;
}

Reply get(int port, const std::string& path) {
  return roundTrip(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

}  // namespace

TEST_CASE("http server: healthz, readyz and metrics") {
  auto metrics = std::make_shared<runtime::Metrics>();
  runtime::HttpServer server("127.0.0.1:0", metrics);
  std::atomic<bool> synced{false};
  server.addReadyCheck("informers-synced", [&] { return synced.load(); });
  REQUIRE(server.start().ok());
  const int port = server.port();
  REQUIRE(port > 0);
  CHECK(server.url() == "http://127.0.0.1:" + std::to_string(port));

  auto health = get(port, "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "ok");

  auto ready = get(port, "/readyz");
  CHECK(ready.status == 500);
  CHECK(ready.body.find("[-]informers-synced failed") != std::string::npos);
  synced = true;
  ready = get(port, "/readyz");
  CHECK(ready.status == 200);
  CHECK(get(port, "/readyz?verbose").body.find("[+]informers-synced ok") != std::string::npos);

  // API requests counted through the client observer hook show up by verb and code.
  auto observer = metrics->requestObserver();
  observer("GET", 200);
  observer("GET", 200);
  observer("PATCH", 409);
  observer("WATCH", 0);
  metrics->reconcileFinished("registryconfig", "success", 0.02);
  metrics->watchRestarted("secrets", "gone");
  auto scrape = get(port, "/metrics");
  CHECK(scrape.status == 200);
  CHECK(scrape.body.find("rest_client_requests_total{code=\"200\",verb=\"GET\"} 2") !=
        std::string::npos);
  CHECK(scrape.body.find("rest_client_requests_total{code=\"409\",verb=\"PATCH\"} 1") !=
        std::string::npos);
  CHECK(scrape.body.find("rest_client_requests_total{code=\"<error>\",verb=\"WATCH\"} 1") !=
        std::string::npos);
  CHECK(scrape.body.find("controller_runtime_reconcile_total{controller=\"registryconfig\",result="
                         "\"success\"} 1") != std::string::npos);
  CHECK(scrape.body.find("# TYPE controller_runtime_reconcile_time_seconds histogram") !=
        std::string::npos);
  CHECK(scrape.body.find("watch_restarts_total{reason=\"gone\",resource=\"secrets\"} 1") !=
        std::string::npos);

  CHECK(scrape.head.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);

  CHECK(get(port, "/nope").status == 404);
  server.stop();
}

TEST_CASE("http server: HEAD, other methods, malformed and oversized requests") {
  runtime::HttpServer server(":0");
  REQUIRE(server.start().ok());
  const int port = server.port();
  auto head = roundTrip(port, "HEAD /healthz HTTP/1.1\r\n\r\n");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.head.find("Content-Length: 2") != std::string::npos);
  auto post = roundTrip(port, "POST /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  CHECK(post.status == 405);
  CHECK(roundTrip(port, "garbage\r\n\r\n").status == 400);
  CHECK(roundTrip(port, "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n").status == 431);
  CHECK(get(port, "/metrics").status == 404);  // no Metrics given
  // A client that connects and says nothing does not block the others.
  int idle = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(connect(idle, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  CHECK(get(port, "/healthz").status == 200);
  close(idle);
}

TEST_CASE("http server: an address in use or malformed is an error, not a crash") {
  runtime::HttpServer first("127.0.0.1:0");
  REQUIRE(first.start().ok());
  runtime::HttpServer second("127.0.0.1:" + std::to_string(first.port()));
  auto started = second.start();
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().message().find("cannot listen on 127.0.0.1:") != std::string::npos);
  CHECK_FALSE(runtime::HttpServer("[::1").start().ok());
  CHECK_FALSE(runtime::HttpServer("127.0.0.1:notaport").start().ok());
}

// Signals are process-wide, so the handler is exercised in a child process. ThreadSanitizer
// cannot start threads in a child forked from a multi-threaded process, so those builds skip it.
#if defined(__SANITIZE_THREAD__)
#define SIGNAL_TEST_TAGS "[.tsan-unsupported]"
#else
#define SIGNAL_TEST_TAGS ""
#endif

TEST_CASE("signals: the first SIGTERM cancels, a second one exits with status 1",
          SIGNAL_TEST_TAGS) {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    kube::CancelToken token;
    runtime::SignalHandler handler(token);
    kill(getpid(), SIGTERM);
    const bool timed_out = token.sleepFor(std::chrono::seconds(10));
    if (timed_out) _exit(3);
    if (handler.received() != SIGTERM) _exit(4);
    kill(getpid(), SIGINT);
    kube::CancelToken().sleepFor(std::chrono::seconds(10));
    _exit(5);  // the second signal should have ended the process first
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
}

TEST_CASE("signals: the handler stops cleanly when no signal came", SIGNAL_TEST_TAGS) {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    kube::CancelToken token;
    { runtime::SignalHandler handler(token); }
    _exit(token.cancelled() ? 6 : 0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

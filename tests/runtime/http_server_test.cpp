#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <string>
#include <thread>
#include <vector>

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

int connectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

// True once the server has closed `fd` (or reset it): waits up to `wait` of real time.
bool closedByServer(int fd, std::chrono::milliseconds wait) {
  pollfd entry{fd, POLLIN, 0};
  if (poll(&entry, 1, static_cast<int>(wait.count())) <= 0) return false;
  char byte;
  return recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;
}

// Polls `predicate` for up to 10 s of real time.
bool eventually(const std::function<bool()>& predicate) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A slowloris client: a request head that never ends, one byte per `every`.
struct Trickler {
  int fd;
  explicit Trickler(int port) : fd(connectTo(port)) {
    const std::string start = "GET /healthz HTTP/1.1\r\nX-Slow: ";
    send(fd, start.data(), start.size(), MSG_NOSIGNAL);
  }
  ~Trickler() { close(fd); }
  // Sends one more byte; false once the server has closed the connection.
  bool trickle(std::chrono::milliseconds every) {
    if (closedByServer(fd, every)) return false;
    return send(fd, "a", 1, MSG_NOSIGNAL) == 1;
  }
};

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

TEST_CASE("http server: a client trickling its request is cut at the request deadline") {
  // Per-read timeouts alone let a client that sends one byte now and then keep its connection
  // for as long as it likes; the deadline is for the whole request head.
  runtime::HttpServerLimits limits;
  limits.request_head_timeout = std::chrono::milliseconds(300);
  runtime::HttpServer server("127.0.0.1:0", nullptr, limits);
  REQUIRE(server.start().ok());
  Trickler client(server.port());
  int sent = 0;
  // 50 ms a byte, so far more progress than any per-read timeout needs; 10 s at most.
  while (client.trickle(std::chrono::milliseconds(50)) && sent < 200) ++sent;
  CHECK(sent < 200);  // cut, long before the 10 s this loop would take
  CHECK(eventually([&] { return server.stats().open_connections == 0; }));
  CHECK(get(server.port(), "/healthz").status == 200);
}

TEST_CASE(
    "http server: slow clients filling every connection do not keep /healthz from answering") {
  // A long request deadline, so that only eviction can make room.
  runtime::HttpServerLimits limits;
  limits.request_head_timeout = std::chrono::seconds(60);
  runtime::HttpServer server("127.0.0.1:0", nullptr, limits);
  REQUIRE(server.start().ok());
  std::vector<std::unique_ptr<Trickler>> slow;
  for (int i = 0; i < limits.max_connections; ++i) {
    slow.push_back(std::make_unique<Trickler>(server.port()));
  }
  REQUIRE(eventually([&] { return server.stats().open_connections == limits.max_connections; }));
  // Each probe evicts the oldest slow client and is answered.
  for (int i = 0; i < 5; ++i) CHECK(get(server.port(), "/healthz").status == 200);
  // The first probe found every connection taken; a later one finds the room the previous
  // probe left, or has to evict again if that one has not quite closed yet.
  const auto evicted = server.stats().evicted;
  CHECK(evicted >= 1);
  CHECK(evicted <= 5);
  std::uint64_t cut = 0;
  for (auto& client : slow) cut += closedByServer(client->fd, std::chrono::milliseconds(0));
  CHECK(cut == evicted);
  CHECK(closedByServer(slow.front()->fd, std::chrono::milliseconds(0)));  // the oldest first
  CHECK_FALSE(closedByServer(slow.back()->fd, std::chrono::milliseconds(0)));
}

TEST_CASE("http server: stop() with a stuck client returns within the drain bound") {
  runtime::HttpServerLimits limits;
  limits.request_head_timeout = std::chrono::seconds(60);
  limits.drain_timeout = std::chrono::milliseconds(200);
  runtime::HttpServer server("127.0.0.1:0", nullptr, limits);
  std::atomic<int> checks{0};
  server.addReadyCheck("counted", [&] { return ++checks > 0; });
  REQUIRE(server.start().ok());
  Trickler stuck(server.port());
  REQUIRE(eventually([&] { return server.stats().open_connections == 1; }));
  const auto stopping_at = std::chrono::steady_clock::now();
  server.stop();
  // Far below the client's 60 s request deadline (which the old drain waited out, up to 10 s).
  CHECK(std::chrono::steady_clock::now() - stopping_at < std::chrono::seconds(5));
  CHECK(server.stats().open_connections == 0);
  CHECK(closedByServer(stuck.fd, std::chrono::seconds(5)));
  // The stuck client finishing its request now gets no answer, and runs no check.
  send(stuck.fd, "\r\n\r\n", 4, MSG_NOSIGNAL);
  CHECK(checks == 0);
}

namespace {
// Lowers the soft limit on open files for the test's scope.
struct FileLimit {
  rlimit saved{};
  explicit FileLimit(rlim_t soft) {
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit lowered = saved;
    lowered.rlim_cur = std::min(soft, saved.rlim_cur);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  }
  ~FileLimit() { setrlimit(RLIMIT_NOFILE, &saved); }
};
}  // namespace

TEST_CASE("http server: running out of descriptors backs off instead of spinning, then recovers") {
  runtime::HttpServerLimits limits;
  limits.accept_backoff = std::chrono::milliseconds(100);
  runtime::HttpServer server("127.0.0.1:0", nullptr, limits);
  REQUIRE(server.start().ok());
  // The client's socket exists before the table fills; it connects after, when the server
  // cannot accept it.
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(client >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(server.port()));
  std::vector<int> filler;
  bool connected = false;
  bool failing = false;
  std::uint64_t errors_in_half_a_second = 0;
  const int null_fd = open("/dev/null", O_RDONLY);
  REQUIRE(null_fd >= 0);
  {
    // No Catch assertion while the table is full: under UBSan an assertion's vptr check
    // needs a descriptor of its own. Results are checked once descriptors are free.
    FileLimit limit(512);
    while (true) {
      const int fd = dup(null_fd);
      if (fd < 0) break;
      filler.push_back(fd);
    }
    connected = connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    const std::string request = "GET /healthz HTTP/1.1\r\n\r\n";
    send(client, request.data(), request.size(), MSG_NOSIGNAL);
    failing = eventually([&] { return server.stats().accept_errors >= 2; });
    // A spinning accept loop fails hundreds of thousands of times a second; backing off every
    // 100 ms, a few times. The bound is loose enough for any machine.
    const auto before = server.stats().accept_errors;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    errors_in_half_a_second = server.stats().accept_errors - before;
    for (int fd : filler) close(fd);
  }
  REQUIRE(connected);
  REQUIRE(failing);
  CHECK(errors_in_half_a_second < 100);
  close(null_fd);
  // Descriptors are free again: the waiting client is answered.
  std::string answer;
  char buffer[512];
  timeval timeout{10, 0};
  setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ssize_t n;
  while ((n = recv(client, buffer, sizeof buffer, 0)) > 0) answer.append(buffer, n);
  close(client);
  CHECK(answer.rfind("HTTP/1.1 200 OK", 0) == 0);
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

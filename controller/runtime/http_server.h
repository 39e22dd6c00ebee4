#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "kube/result.h"
#include "runtime/metrics.h"

namespace runtime {

// The operator's own HTTP endpoints, as controller-runtime serves them:
//   /healthz  200 while the process is alive (the liveness probe),
//   /readyz   200 once every readiness check passes, e.g. caches synced (the readiness probe),
//   /metrics  Prometheus text format of the Metrics registry (when one is given).
// `?verbose` on /healthz and /readyz lists each check.
//
// A deliberately small HTTP/1.1 server on POSIX sockets (GET and HEAD, one request per
// connection, bounded header size): it has three fixed pages to serve, can bind port 0 and
// report the port (tests), and keeps cpprestsdk (compile cost, and its listener's false
// positives under UBSan's vptr check) out of this layer.
//
// Slow or hostile clients cannot hold it (see HttpServerLimits):
// - each request head must arrive whole within request_head_timeout, however the client paces
//   its bytes (a client sending one byte a second is cut off, not kept alive by its progress);
//   the answer, and the lingering read after it, must be done within response_timeout;
// - at max_connections, a new connection evicts the oldest one that is not being answered
//   (still reading its request, or lingering after its answer), so a probe that sends its
//   request at once is answered unless max_connections more connections arrive after it and
//   before its request is read; only when every connection is being answered is the new one
//   closed unanswered;
// - accept() failing for lack of resources (EMFILE, ENFILE, ENOBUFS, ...) is retried every
//   accept_backoff, logged once per episode, instead of spinning on a listening socket that
//   stays readable;
// - stop() cuts clients still sending their request at once, lets requests being answered
//   finish for up to drain_timeout, then cuts those too.
struct HttpServerLimits {
  std::chrono::milliseconds request_head_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds response_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(1)};
  std::chrono::milliseconds accept_backoff{std::chrono::milliseconds(100)};
  int max_connections = 32;
};

class HttpServer {
 public:
  using Check = std::function<bool()>;

  // `address` is "host:port", ":port" (all interfaces) or "[v6]:port", as in
  // --metrics-addr=:8080. Port 0 picks a free port; see port().
  explicit HttpServer(std::string address, MetricsPtr metrics = nullptr,
                      HttpServerLimits limits = {});
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Checks run on every probe, on the server's threads; add them before start(). They must not
  // block: stop() waits for the ones running (they may use objects the caller destroys next).
  void addHealthCheck(std::string name, Check check);
  void addReadyCheck(std::string name, Check check);

  kube::Result<void> start();
  // Stops accepting, cuts clients still sending their request, and gives requests being
  // answered up to drain_timeout before cutting them too. Returns within about twice
  // drain_timeout unless a check blocks; no check runs after it returned.
  void stop();

  struct Stats {
    int open_connections = 0;         // being read, answered or closed right now
    std::uint64_t evicted = 0;        // connections dropped to make room for a newer one
    std::uint64_t accept_errors = 0;  // accept() failures that were backed off
  };
  Stats stats() const;

  // The bound port (after start()), e.g. the one picked for port 0.
  int port() const;
  // "http://<host>:<port>" as bound.
  std::string url() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace runtime

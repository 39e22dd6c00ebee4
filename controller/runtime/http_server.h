#pragma once

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
// connection, bounded header size, 5 s socket timeouts, at most 32 connections at once): it has
// three fixed pages to serve, can bind port 0 and report the port (tests), and keeps cpprestsdk
// (compile cost, and its listener's false positives under UBSan's vptr check) out of this layer.
class HttpServer {
 public:
  using Check = std::function<bool()>;

  // `address` is "host:port", ":port" (all interfaces) or "[v6]:port", as in
  // --metrics-addr=:8080. Port 0 picks a free port; see port().
  explicit HttpServer(std::string address, MetricsPtr metrics = nullptr);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Checks run on every probe, on the server's threads; add them before start().
  void addHealthCheck(std::string name, Check check);
  void addReadyCheck(std::string name, Check check);

  kube::Result<void> start();
  // Stops accepting and waits (up to a few seconds) for requests being answered.
  void stop();

  // The bound port (after start()), e.g. the one picked for port 0.
  int port() const;
  // "http://<host>:<port>" as bound.
  std::string url() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace runtime

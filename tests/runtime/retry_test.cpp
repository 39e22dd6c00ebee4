#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include "kube/client.h"
#include "kube/discovery.h"
#include "runtime/fake_clock.h"
#include "runtime/random.h"
#include "runtime/retry.h"

using namespace std::chrono_literals;

namespace {

// An API server that is down for the first `failures` requests (connection refused), then
// serves discovery of route.openshift.io/v1.
struct ComingUp : kube::HttpTransport {
  std::atomic<int> failures;
  std::atomic<int> requests{0};
  std::vector<kube::HttpRequest> seen;
  std::mutex mutex;

  explicit ComingUp(int n) : failures(n) {}
  kube::Result<kube::HttpResponse> send(const kube::HttpRequest& request) override {
    {
      std::lock_guard guard(mutex);
      seen.push_back(request);
    }
    ++requests;
    if (failures-- > 0) {
      return kube::Error(kube::ErrorKind::Transport, "connect to https://api.invalid: refused");
    }
    kube::HttpResponse response;
    response.status = 200;
    response.body = R"({"kind":"APIResourceList","groupVersion":"route.openshift.io/v1",
                        "resources":[{"name":"routes","kind":"Route","namespaced":true}]})";
    return response;
  }
  kube::Result<kube::HttpResponse> stream(const kube::HttpRequest&, const kube::LineSink&,
                                          const kube::CancelToken&) override {
    return kube::Error(kube::ErrorKind::Transport, "no streams here");
  }
};

// Sends spdlog's default logger to a string for the test's scope.
struct CapturedLog {
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> saved = spdlog::default_logger();
  CapturedLog() {
    auto logger = std::make_shared<spdlog::logger>(
        "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(text));
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(saved); }
  int count(const std::string& needle) const {
    const auto all = text.str();
    int n = 0;
    for (auto at = all.find(needle); at != std::string::npos; at = all.find(needle, at + 1)) ++n;
    return n;
  }
};

// Polls `predicate` for up to 10 s of real time.
bool eventually(const std::function<bool()>& predicate) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

kube::ClusterConfig cluster() {
  kube::ClusterConfig config;
  config.server = "https://api.invalid";
  config.bearer_token = "s3cr3t-token";
  return config;
}

}  // namespace

TEST_CASE("retry: discovery with the API server down retries with backoff until it answers") {
  CapturedLog log;
  auto transport = std::make_shared<ComingUp>(3);
  auto client = std::make_shared<kube::Client>(cluster(), transport);
  auto clock = std::make_shared<runtime::FakeClock>();
  runtime::Backoff backoff({}, std::make_shared<runtime::FixedRandom>());
  kube::CancelToken cancel;
  std::optional<kube::Result<bool>> served;
  std::thread runner([&] {
    served = runtime::retryUntilCancelled<bool>(
        "platform detection",
        [&]() -> kube::Result<bool> {
          return kube::isServed(*client, "route.openshift.io", "v1", "Route");
        },
        backoff, *clock, cancel);
  });
  // Step the clock each time the retry loop waits, never before (or the advance is lost), and
  // wait for the next attempt before looking for the next wait.
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(clock->awaitSleepers(1));
    clock->advance(1min);  // beyond any backoff delay
    REQUIRE(eventually([&] { return transport->requests > i; }));
  }
  runner.join();
  REQUIRE(served);
  REQUIRE(*served);
  CHECK(**served);
  CHECK(transport->requests == 4);
  CHECK(backoff.attempts() == 3);
  // One line per failed attempt, numbered, saying why; no credentials.
  CHECK(log.count("platform detection: attempt") == 3);
  CHECK(log.count("attempt 3 failed") == 1);
  CHECK(log.count("refused") == 3);
  CHECK(log.count("succeeded on attempt 4") == 1);
  CHECK(log.count("s3cr3t") == 0);
  // The token did go out with the requests: the log left it out, it was not missing.
  CHECK(transport->seen.front().headers.at("Authorization") == "Bearer s3cr3t-token");
}

TEST_CASE("retry: shutdown while waiting for the API server ends the retries") {
  CapturedLog log;
  auto transport = std::make_shared<ComingUp>(1000);
  auto client = std::make_shared<kube::Client>(cluster(), transport);
  auto clock = std::make_shared<runtime::FakeClock>();
  runtime::Backoff backoff({}, std::make_shared<runtime::FixedRandom>());
  kube::CancelToken cancel;
  std::optional<kube::Result<bool>> served;
  std::thread runner([&] {
    served = runtime::retryUntilCancelled<bool>(
        "platform detection",
        [&]() -> kube::Result<bool> {
          return kube::isServed(*client, "route.openshift.io", "v1", "Route");
        },
        backoff, *clock, cancel);
  });
  REQUIRE(clock->awaitSleepers(1));
  clock->advance(1min);
  REQUIRE(eventually([&] { return transport->requests == 2; }));
  REQUIRE(clock->awaitSleepers(1));
  cancel.cancel();
  runner.join();
  REQUIRE(served);
  REQUIRE_FALSE(*served);
  CHECK(served->error().is(kube::ErrorKind::Cancelled));
  CHECK(served->error().message().find("refused") != std::string::npos);
  CHECK(transport->requests == 2);
}

TEST_CASE("retry: a token already cancelled makes no attempt") {
  kube::CancelToken cancel;
  cancel.cancel();
  runtime::FakeClock clock;
  runtime::Backoff backoff({}, std::make_shared<runtime::FixedRandom>());
  int attempts = 0;
  auto result = runtime::retryUntilCancelled<int>(
      "nothing", [&]() -> kube::Result<int> { return ++attempts; }, backoff, clock, cancel);
  REQUIRE_FALSE(result);
  CHECK(result.error().is(kube::ErrorKind::Cancelled));
  CHECK(attempts == 0);
}

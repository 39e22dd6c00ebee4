#include <catch2/catch.hpp>

#include <thread>

#include "support/scripted_client.h"

// What kube::Client does when the API server answers 429 Too Many Requests.

namespace {

const std::string kThrottled =
    R"({"kind":"Status","code":429,"reason":"TooManyRequests","message":"too many requests"})";

struct Throttled : testing::ScriptedClient {
  kube::HttpRequest patch() const {
    kube::HttpRequest request;
    request.method = "PATCH";
    request.target = "/api/v1/namespaces/a/configmaps/b";
    request.body = "{}";
    return request;
  }
};

}  // namespace

TEST_CASE("client: a request refused with 429 and Retry-After is sent again, any verb") {
  Throttled t;
  t.transport->reply(429, kThrottled, {{"retry-after", "0"}});
  t.transport->reply(429, kThrottled, {{"retry-after", "0"}});
  t.transport->reply(200, "{}");
  auto response = t.client->send(t.patch());
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  auto sent = t.transport->requests();
  REQUIRE(sent.size() == 3);
  for (const auto& request : sent) {
    CHECK(request.method == "PATCH");
    CHECK(request.body == "{}");
  }
}

TEST_CASE("client: 429 without Retry-After, or past the retry budget, is the caller's error") {
  SECTION("no Retry-After: the server did not say when") {
    Throttled t;
    t.transport->reply(429, kThrottled);
    auto response = t.client->send(t.patch());
    REQUIRE_FALSE(response.ok());
    CHECK(response.error().is(kube::ErrorKind::TooManyRequests));
    CHECK(t.transport->requests().size() == 1);
  }
  SECTION("throttled more than max_throttled_retries times") {
    Throttled t;
    const std::size_t retries = kube::ClusterConfig{}.max_throttled_retries;
    for (std::size_t i = 0; i <= retries; ++i) {
      t.transport->reply(429, kThrottled, {{"retry-after", "0"}});
    }
    auto response = t.client->send(t.patch());
    REQUIRE_FALSE(response.ok());
    CHECK(response.error().is(kube::ErrorKind::TooManyRequests));
    CHECK(response.error().retryAfter() == std::chrono::seconds(0));
    CHECK(t.transport->requests().size() == retries + 1);
  }
}

TEST_CASE("client: cancelling a request ends its wait for Retry-After") {
  Throttled t;
  t.transport->reply(429, kThrottled, {{"retry-after", "30"}});
  kube::CancelToken cancel;
  kube::HttpRequest request = t.patch();
  request.cancel = cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancel.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  auto response = t.client->send(request);
  canceller.join();
  REQUIRE_FALSE(response.ok());
  CHECK(response.error().is(kube::ErrorKind::Cancelled));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  CHECK(t.transport->requests().size() == 1);
}

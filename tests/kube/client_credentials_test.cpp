#include <catch2/catch.hpp>

#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <thread>

#include "kube/api.h"
#include "plugin_dir.h"
#include "support/scripted_transport.h"

// How kube::Client caches the credentials of token files and exec plugins: when it fetches them
// again, that only one fetch runs at a time, and that no lock is held while a plugin runs.

namespace {

std::string rfc3339(std::chrono::system_clock::time_point when) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

// A plugin script that appends a line to $DIR/runs on every run; `body` then prints the
// credential (run number in $run).
std::string countingPlugin(const PluginDir& dir, const std::string& body) {
  return dir.script("plugin",
                    "echo run >> \"$DIR/runs\"\n"
                    "run=$(wc -l < \"$DIR/runs\" | tr -d ' ')\n" +
                        body);
}

std::string tokenCredential(const std::string& token_expr, const std::string& expiry = {}) {
  // The token is expanded by the shell: it leaves the single quotes for it.
  std::string status = "\"token\":\"'" + token_expr + "'\"";
  if (!expiry.empty()) status += ",\"expirationTimestamp\":\"" + expiry + "\"";
  return "echo '{\"kind\":\"ExecCredential\",\"status\":{" + status + "}}'\n";
}

kube::ClientPtr clientWith(kube::ClusterConfig config, kube::HttpTransportPtr transport) {
  config.server = "https://api";
  return std::make_shared<kube::Client>(config, std::move(transport));
}

std::string authorization(const kube::HttpRequest& request) {
  auto it = request.headers.find("Authorization");
  return it == request.headers.end() ? std::string("(none)") : it->second;
}

// Holds the next `count` requests until all of them have arrived, then answers each with 401;
// every other request gets 200 "{}". Shows what concurrent requests do when the server refuses
// the credential they all carried.
class RejectTogetherTransport : public kube::HttpTransport {
 public:
  void rejectTogether(int count) {
    std::lock_guard lock(mutex_);
    held_ = count;
    arrived_ = 0;
  }

  kube::Result<kube::HttpResponse> send(const kube::HttpRequest& request) override {
    std::unique_lock lock(mutex_);
    headers_.push_back(authorization(request));
    if (held_ > 0) {
      const int group = held_;
      if (++arrived_ == group) held_ = 0;
      all_arrived_.notify_all();
      all_arrived_.wait(lock, [&] { return arrived_ >= group; });
      return kube::HttpResponse{401, {}, R"({"kind":"Status","reason":"Unauthorized"})"};
    }
    return kube::HttpResponse{200, {}, "{}"};
  }
  kube::Result<kube::HttpResponse> stream(const kube::HttpRequest&, const kube::LineSink&,
                                          const kube::CancelToken&) override {
    return kube::Error(kube::ErrorKind::Transport, "no streams here");
  }

  std::vector<std::string> headers() const {
    std::lock_guard lock(mutex_);
    return headers_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable all_arrived_;
  int held_ = 0;
  int arrived_ = 0;
  std::vector<std::string> headers_;
};

}  // namespace

TEST_CASE("client: a certificate-only exec credential is cached, and fetched again after a 401") {
  PluginDir dir;
  kube::ClusterConfig config;
  config.exec.emplace();
  config.exec->command = countingPlugin(
      dir,
      "echo '{\"kind\":\"ExecCredential\",\"status\":{\"clientCertificateData\":\"CERT\","
      "\"clientKeyData\":\"KEY\"}}'\n");
  auto transport = std::make_shared<testing::ScriptedTransport>();
  auto client = clientWith(config, transport);
  kube::Api api(client, kube::resources::configMaps(), "ns");
  for (int i = 0; i < 3; ++i) transport->reply(200, "{}");
  for (int i = 0; i < 3; ++i) REQUIRE(api.get("x"));
  CHECK(dir.lines("runs") == 1);  // no expirationTimestamp: valid until the server says not

  transport->reply(401, R"({"kind":"Status","reason":"Unauthorized"})");
  transport->reply(200, "{}");
  REQUIRE(api.get("x"));
  CHECK(dir.lines("runs") == 2);
  for (const auto& request : transport->requests()) CHECK(authorization(request) == "(none)");
}

TEST_CASE("client: an exec credential with an expiry is used until it is due") {
  PluginDir dir;
  kube::ClusterConfig config;
  config.exec.emplace();
  // The first run's token is due at once (it expires within the renewal margin), the second's
  // only in an hour.
  const std::string soon = rfc3339(std::chrono::system_clock::now() + std::chrono::seconds(2));
  const std::string later = rfc3339(std::chrono::system_clock::now() + std::chrono::hours(1));
  config.exec->command =
      countingPlugin(dir, "if [ $run = 1 ]; then " + tokenCredential("t$run", soon) + "else " +
                              tokenCredential("t$run", later) + "fi\n");
  auto transport = std::make_shared<testing::ScriptedTransport>();
  auto client = clientWith(config, transport);
  kube::Api api(client, kube::resources::configMaps(), "ns");
  for (int i = 0; i < 4; ++i) transport->reply(200, "{}");
  for (int i = 0; i < 4; ++i) REQUIRE(api.get("x"));
  CHECK(dir.lines("runs") == 2);
  auto requests = transport->requests();
  CHECK(authorization(requests[0]) == "Bearer t1");
  CHECK(authorization(requests[1]) == "Bearer t2");
  CHECK(authorization(requests[3]) == "Bearer t2");
}

TEST_CASE(
    "client: a slow exec plugin blocks neither requests with a valid credential nor the "
    "observer") {
  PluginDir dir;
  kube::ClusterConfig config;
  config.exec.emplace();
  // Every credential is due for renewal (the margin is longer than its life) but valid for an
  // hour, so each request wants a refresh while any other caller may go on with the old token.
  config.exec->renew_before_expiry = std::chrono::hours(2);
  const std::string expiry = rfc3339(std::chrono::system_clock::now() + std::chrono::hours(1));
  config.exec->command =
      countingPlugin(dir, "if [ $run != 1 ]; then touch \"$DIR/started\"; " + waitUntilReleased() +
                              "fi\n" + tokenCredential("t$run", expiry));
  auto transport = std::make_shared<testing::ScriptedTransport>();
  auto client = clientWith(config, transport);
  kube::Api api(client, kube::resources::configMaps(), "ns");
  for (int i = 0; i < 3; ++i) transport->reply(200, "{}");
  REQUIRE(api.get("first"));  // run 1, fast

  std::optional<kube::Result<kube::Object>> refreshing;
  std::thread refresher([&] { refreshing.emplace(api.get("refreshing")); });
  REQUIRE(dir.waitFor("started"));  // run 2 is under way, and waits for "release"

  // Neither waits for run 2: the request goes on with t1, and the observer has its own lock.
  client->setObserver([](const std::string&, int) {});
  auto meanwhile = api.get("meanwhile");
  dir.touch("release");
  refresher.join();
  REQUIRE(meanwhile);
  REQUIRE(refreshing);
  REQUIRE(*refreshing);
  CHECK(dir.lines("runs") == 2);
  std::map<std::string, std::string> header_by_target;
  for (const auto& request : transport->requests()) {
    header_by_target[request.target] = authorization(request);
  }
  CHECK(header_by_target.at("/api/v1/namespaces/ns/configmaps/meanwhile") == "Bearer t1");
  CHECK(header_by_target.at("/api/v1/namespaces/ns/configmaps/refreshing") == "Bearer t2");
}

TEST_CASE("client: concurrent first requests run the exec plugin once") {
  PluginDir dir;
  kube::ClusterConfig config;
  config.exec.emplace();
  config.exec->command = countingPlugin(
      dir, "touch \"$DIR/started\"\n" + waitUntilReleased() + tokenCredential("t$run"));
  auto transport = std::make_shared<testing::ScriptedTransport>();
  auto client = clientWith(config, transport);
  kube::Api api(client, kube::resources::configMaps(), "ns");
  transport->reply(200, "{}");
  transport->reply(200, "{}");
  std::optional<kube::Result<kube::Object>> first;
  std::optional<kube::Result<kube::Object>> second;
  std::thread one([&] { first.emplace(api.get("one")); });
  REQUIRE(dir.waitFor("started"));
  std::thread two([&] { second.emplace(api.get("two")); });
  // Time for the second request to find the refresh under way; without single-flight it would
  // start a second run now. Nothing is asserted on how long anything takes.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  dir.touch("release");
  one.join();
  two.join();
  REQUIRE(*first);
  REQUIRE(*second);
  CHECK(dir.lines("runs") == 1);
  for (const auto& request : transport->requests()) CHECK(authorization(request) == "Bearer t1");
}

TEST_CASE("client: requests refused together with one credential refresh it once") {
  PluginDir dir;
  kube::ClusterConfig config;
  config.exec.emplace();
  config.exec->command = countingPlugin(dir, tokenCredential("t$run"));
  auto transport = std::make_shared<RejectTogetherTransport>();
  auto client = clientWith(config, transport);
  kube::Api api(client, kube::resources::configMaps(), "ns");
  REQUIRE(api.get("seed"));  // run 1: t1
  transport->rejectTogether(2);
  std::optional<kube::Result<kube::Object>> first;
  std::optional<kube::Result<kube::Object>> second;
  std::thread one([&] { first.emplace(api.get("one")); });
  std::thread two([&] { second.emplace(api.get("two")); });
  one.join();
  two.join();
  REQUIRE(*first);
  REQUIRE(*second);
  // Both were refused with t1; one new credential serves both retries.
  CHECK(dir.lines("runs") == 2);
  auto headers = transport->headers();
  REQUIRE(headers.size() == 5);
  CHECK(headers ==
        std::vector<std::string>{"Bearer t1", "Bearer t1", "Bearer t1", "Bearer t2", "Bearer t2"});
}

TEST_CASE("client: an exec plugin that fails is reported without its output") {
  PluginDir dir;
  kube::ClusterConfig config;
  config.exec.emplace();
  config.exec->command = countingPlugin(dir, "echo 'token-s3cret-part'\nexit 0\n");
  auto transport = std::make_shared<testing::ScriptedTransport>();
  auto client = clientWith(config, transport);
  kube::Api api(client, kube::resources::configMaps(), "ns");
  auto result = api.get("x");
  REQUIRE_FALSE(result);
  CHECK(result.error().kind() == kube::ErrorKind::Config);
  CHECK(result.error().message().find("s3cret") == std::string::npos);
  CHECK(transport->requests().empty());
  // A failed fetch is not cached: the next request tries again.
  CHECK_FALSE(api.get("x"));
  CHECK(dir.lines("runs") == 2);
}

TEST_CASE("client: a 401 on a watch re-reads the token file and retries once") {
  PluginDir dir;
  std::ofstream(dir.path("token")) << "old\n";
  kube::ClusterConfig config;
  config.token_file = dir.path("token");
  auto transport = std::make_shared<testing::ScriptedTransport>();
  auto client = clientWith(config, transport);
  kube::Api api(client, kube::resources::configMaps(), "ns");
  transport->reply(200, "{}");
  REQUIRE(api.get("x"));  // reads "old"
  std::ofstream(dir.path("token")) << "new\n";
  transport->reply(401, R"({"kind":"Status","reason":"Unauthorized"})");
  transport->replyStream({R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})"});
  int events = 0;
  auto watched = api.watch(
      {},
      [&](const kube::WatchEvent&) {
        ++events;
        return true;
      },
      kube::CancelToken());
  REQUIRE(watched);
  CHECK(events == 1);
  auto requests = transport->requests();
  REQUIRE(requests.size() == 3);
  CHECK(authorization(requests[1]) == "Bearer old");
  CHECK(authorization(requests[2]) == "Bearer new");
}

TEST_CASE("client: a watch refused twice fails Unauthorized, and the next one fetches again") {
  PluginDir dir;
  kube::ClusterConfig config;
  config.exec.emplace();
  config.exec->command = countingPlugin(dir, tokenCredential("t$run"));
  auto transport = std::make_shared<testing::ScriptedTransport>();
  auto client = clientWith(config, transport);
  kube::Api api(client, kube::resources::configMaps(), "ns");
  transport->reply(401, R"({"kind":"Status","reason":"Unauthorized"})");
  transport->reply(401, R"({"kind":"Status","reason":"Unauthorized"})");
  transport->replyStream({});
  auto sink = [](const kube::WatchEvent&) { return true; };
  auto refused = api.watch({}, sink, kube::CancelToken());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind() == kube::ErrorKind::Unauthorized);
  REQUIRE(api.watch({}, sink, kube::CancelToken()));
  auto requests = transport->requests();
  REQUIRE(requests.size() == 3);
  CHECK(authorization(requests[0]) == "Bearer t1");
  CHECK(authorization(requests[1]) == "Bearer t2");
  CHECK(authorization(requests[2]) == "Bearer t3");
}

TEST_CASE("client: a 401 ERROR event inside a watch stream invalidates the credential") {
  PluginDir dir;
  std::ofstream(dir.path("token")) << "old\n";
  kube::ClusterConfig config;
  config.token_file = dir.path("token");
  auto transport = std::make_shared<testing::ScriptedTransport>();
  auto client = clientWith(config, transport);
  kube::Api api(client, kube::resources::configMaps(), "ns");
  transport->replyStream(
      {R"({"type":"ERROR","object":{"kind":"Status","code":401,"reason":"Unauthorized"}})"});
  transport->replyStream({});
  auto sink = [](const kube::WatchEvent&) { return true; };
  auto refused = api.watch({}, sink, kube::CancelToken());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind() == kube::ErrorKind::Unauthorized);
  std::ofstream(dir.path("token")) << "new\n";
  REQUIRE(api.watch({}, sink, kube::CancelToken()));
  auto requests = transport->requests();
  REQUIRE(requests.size() == 2);
  CHECK(authorization(requests[0]) == "Bearer old");
  CHECK(authorization(requests[1]) == "Bearer new");
}

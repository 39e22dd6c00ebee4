#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "kube/api.h"
#include "runtime/fake_clock.h"
#include "runtime/metrics.h"
#include "runtime/random.h"
#include "runtime/watcher.h"
#include "support/fake_api_server.h"

using namespace std::chrono_literals;
using runtime::Watcher;
using runtime::WatcherEvent;
using testsupport::FakeApiServer;
using testsupport::Json;
using testsupport::queryParam;

namespace {

const std::string kConfigMaps = "/api/v1/configmaps";

Json configMap(const std::string& name, const std::string& value = "1") {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "ns"}}},
          {"data", {{"v", value}}}};
}

struct Fixture {
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>();
  std::shared_ptr<runtime::FakeClock> clock = std::make_shared<runtime::FakeClock>();
  std::shared_ptr<runtime::Metrics> metrics = std::make_shared<runtime::Metrics>();
  std::vector<WatcherEvent> events;
  kube::CancelToken cancel;
  Watcher watcher;

  explicit Fixture(runtime::WatcherConfig config = {})
      : watcher(
            kube::Api(FakeApiServer::clientFor(server), kube::resources::configMaps(), "ns"),
            config, [this](WatcherEvent&& event) { events.push_back(std::move(event)); }, clock,
            std::make_shared<runtime::FixedRandom>(0.0), metrics) {
    server->setAutoClose(true);
  }

  std::vector<FakeApiServer::Request> watchRequests() const {
    std::vector<FakeApiServer::Request> out;
    for (auto& request : server->requests()) {
      if (request.method == "WATCH") out.push_back(request);
    }
    return out;
  }

  double restarts(const std::string& reason) {
    const auto text = metrics->render();
    const auto needle = "watch_restarts_total{reason=\"" + reason + "\",resource=\"configmaps\"} ";
    const auto at = text.find(needle);
    return at == std::string::npos ? 0 : std::stod(text.substr(at + needle.size()));
  }
};

std::vector<std::string> names(const std::vector<Json>& objects) {
  std::vector<std::string> out;
  for (const auto& object : objects) out.push_back(kube::name(object));
  return out;
}

}  // namespace

TEST_CASE("watcher: the initial list is emitted page by page, Restarted with the last") {
  runtime::WatcherConfig config;
  config.page_size = 2;
  Fixture f(config);
  for (auto name : {"a", "b", "c", "d", "e"}) f.server->put(kConfigMaps, configMap(name));

  CHECK(f.watcher.state() == Watcher::State::Empty);
  CHECK(f.watcher.step(f.cancel) == 0s);
  REQUIRE(f.events.size() == 3);
  CHECK(f.events[0].type == WatcherEvent::Type::Listed);
  CHECK(f.events[0].first_page);
  CHECK(names(f.events[0].objects) == std::vector<std::string>{"a", "b"});
  CHECK(f.events[1].type == WatcherEvent::Type::Listed);
  CHECK_FALSE(f.events[1].first_page);
  CHECK(names(f.events[1].objects) == std::vector<std::string>{"c", "d"});
  CHECK(f.events[2].type == WatcherEvent::Type::Restarted);
  CHECK_FALSE(f.events[2].first_page);
  CHECK(names(f.events[2].objects) == std::vector<std::string>{"e"});
  CHECK(f.events[0].objects[0].value("kind", "") == "ConfigMap");
  CHECK(f.watcher.state() == Watcher::State::Watching);
  CHECK(f.watcher.resourceVersion() == "105");

  const auto requests = f.server->requests();
  REQUIRE(requests.size() == 3);  // three pages of at most two
  CHECK(queryParam(requests[0].target, "limit") == "2");
  CHECK(queryParam(requests[1].target, "continue") == "2");
}

TEST_CASE("watcher: watches from the list's resourceVersion and emits Applied and Deleted") {
  Fixture f;
  f.server->put(kConfigMaps, configMap("a"));
  REQUIRE(f.watcher.step(f.cancel) == 0s);  // list at 101
  f.events.clear();

  f.server->put(kConfigMaps, configMap("b"));       // 102 ADDED
  f.server->put(kConfigMaps, configMap("a", "2"));  // 103 MODIFIED
  f.server->erase(kConfigMaps, "ns/b");             // 104 DELETED
  f.server->bookmark(kConfigMaps);                  // 105 BOOKMARK

  // The stream delivered events and then ended: healthy, so resume at once.
  CHECK(f.watcher.step(f.cancel) == 0s);
  const auto watches = f.watchRequests();
  REQUIRE(watches.size() == 1);
  CHECK(queryParam(watches[0].target, "resourceVersion") == "101");
  CHECK(queryParam(watches[0].target, "allowWatchBookmarks") == "true");

  REQUIRE(f.events.size() == 3);
  CHECK(f.events[0].type == WatcherEvent::Type::Applied);
  CHECK(kube::name(f.events[0].object) == "b");
  CHECK(f.events[1].type == WatcherEvent::Type::Applied);
  CHECK(f.events[1].object["data"]["v"] == "2");
  CHECK(f.events[2].type == WatcherEvent::Type::Deleted);
  CHECK(kube::name(f.events[2].object) == "b");
  // The bookmark emitted nothing but moved the resume point.
  CHECK(f.watcher.resourceVersion() == "105");
  CHECK(f.restarts("closed") == 1);
}

TEST_CASE("watcher: the transform reaches listed and watched objects, not the resume point") {
  runtime::WatcherConfig config;
  config.transform = [](kube::Object& object) {
    object.erase("data");
    object["metadata"]["labels"] = {{"seen", "yes"}};
  };
  Fixture f(config);
  f.server->put(kConfigMaps, configMap("a"));
  REQUIRE(f.watcher.step(f.cancel) == 0s);     // list at 101
  f.server->put(kConfigMaps, configMap("b"));  // 102 ADDED
  f.server->erase(kConfigMaps, "ns/a");        // 103 DELETED
  CHECK(f.watcher.step(f.cancel) == 0s);

  REQUIRE(f.events.size() == 3);
  REQUIRE(f.events[0].objects.size() == 1);
  for (const kube::Object* object :
       {&f.events[0].objects[0], &f.events[1].object, &f.events[2].object}) {
    CHECK_FALSE(object->contains("data"));
    CHECK(kube::label(*object, "seen") == "yes");
  }
  CHECK(f.watcher.resourceVersion() == "103");
}

TEST_CASE("watcher: a server-closed stream resumes from the last resourceVersion") {
  Fixture f;
  f.server->put(kConfigMaps, configMap("a"));
  REQUIRE(f.watcher.step(f.cancel) == 0s);
  f.server->put(kConfigMaps, configMap("b"));
  REQUIRE(f.watcher.step(f.cancel) == 0s);
  CHECK(f.watcher.resourceVersion() == "102");

  // Closed with nothing delivered: the server may be in trouble, so back off, growing
  // (800 ms doubling; FixedRandom(0) pins the jitter).
  CHECK(f.watcher.step(f.cancel) == 800ms);
  CHECK(f.watcher.step(f.cancel) == 1600ms);
  CHECK(f.watcher.step(f.cancel) == 3200ms);
  const auto watches = f.watchRequests();
  CHECK(queryParam(watches.back().target, "resourceVersion") == "102");
  CHECK(f.watcher.state() == Watcher::State::Watching);

  // Nothing is lost or repeated across reconnects; an event resets the backoff.
  f.server->put(kConfigMaps, configMap("c"));
  f.events.clear();
  CHECK(f.watcher.step(f.cancel) == 0s);
  REQUIRE(f.events.size() == 1);
  CHECK(kube::name(f.events[0].object) == "c");
  CHECK(f.watcher.step(f.cancel) == 800ms);
}

TEST_CASE("watcher: 410 Gone relists and emits Restarted with what exists now") {
  Fixture f;
  f.server->put(kConfigMaps, configMap("a"));
  f.server->put(kConfigMaps, configMap("b"));
  REQUIRE(f.watcher.step(f.cancel) == 0s);  // list at 102
  f.events.clear();

  // While we were away: b deleted, c created, and history compacted past our resourceVersion.
  f.server->erase(kConfigMaps, "ns/b");
  f.server->put(kConfigMaps, configMap("c"));
  f.server->compact();

  const auto delay = f.watcher.step(f.cancel);
  CHECK(delay == 800ms);  // expired before anything arrived: back off before relisting
  CHECK(f.watcher.state() == Watcher::State::Empty);
  CHECK(f.events.empty());
  CHECK(f.restarts("gone") == 1);

  CHECK(f.watcher.step(f.cancel) == 0s);
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].type == WatcherEvent::Type::Restarted);
  CHECK(names(f.events[0].objects) == std::vector<std::string>{"a", "c"});
  CHECK(f.watcher.state() == Watcher::State::Watching);
  CHECK(f.watcher.resourceVersion() == "104");
}

TEST_CASE("watcher: truncated or malformed lines reconnect from the last good resourceVersion") {
  Fixture f;
  f.server->put(kConfigMaps, configMap("a"));
  REQUIRE(f.watcher.step(f.cancel) == 0s);
  f.server->put(kConfigMaps, configMap("b"));  // 102, delivered before the bad line
  f.server->rawLine(R"({"type":"ADDED","object":{"metadata":{"name":"tru)");
  f.events.clear();

  // An error always backs off; b's arrival reset the backoff, so it is the base delay.
  CHECK(f.watcher.step(f.cancel) == 800ms);
  REQUIRE(f.events.size() == 1);
  CHECK(kube::name(f.events[0].object) == "b");
  CHECK(f.watcher.state() == Watcher::State::Watching);
  CHECK(f.watcher.resourceVersion() == "102");
  CHECK(f.restarts("error") == 1);

  f.server->rawLine("not json at all");
  CHECK(f.watcher.step(f.cancel) == 1600ms);  // nothing good arrived this time: growing
  f.server->rawLine(R"({"type":"SOMETHING","object":{}})");
  CHECK(f.watcher.step(f.cancel) == 3200ms);
  f.server->put(kConfigMaps, configMap("c"));
  f.events.clear();
  CHECK(f.watcher.step(f.cancel) == 0s);
  REQUIRE(f.events.size() == 1);
  CHECK(kube::name(f.events[0].object) == "c");
  CHECK(queryParam(f.watchRequests().back().target, "resourceVersion") == "102");
}

TEST_CASE("watcher: list and watch failures back off and retry, never throw") {
  Fixture f;
  f.server->put(kConfigMaps, configMap("a"));
  f.server->fault({"GET", "/configmaps", 500, 2});
  CHECK(f.watcher.step(f.cancel) == 800ms);
  CHECK(f.watcher.state() == Watcher::State::Empty);
  CHECK(f.watcher.step(f.cancel) == 1600ms);
  CHECK(f.watcher.step(f.cancel) == 0s);
  CHECK(f.watcher.state() == Watcher::State::Watching);

  f.server->fault({"WATCH", "/configmaps", 0, 1});    // connection refused
  f.server->fault({"WATCH", "/configmaps", 503, 1});  // server unavailable
  f.server->fault({"WATCH", "/configmaps", 429, 1});  // throttled
  CHECK(f.watcher.step(f.cancel) == 800ms);
  CHECK(f.watcher.step(f.cancel) == 1600ms);
  CHECK(f.watcher.step(f.cancel) == 3200ms);
  CHECK(f.watcher.state() == Watcher::State::Watching);
  CHECK(f.watcher.resourceVersion() == "101");
  CHECK(f.restarts("error") == 3);
}

TEST_CASE("watcher: a throttled watcher waits at least as long as Retry-After says") {
  Fixture f;
  f.server->fault({"GET", "/configmaps", 429, 1, "3"});
  CHECK(f.watcher.step(f.cancel) == 3s);
  REQUIRE(f.watcher.step(f.cancel) == 0s);
  f.server->fault({"WATCH", "/configmaps", 429, 1, "7"});
  CHECK(f.watcher.step(f.cancel) == 7s);
}

TEST_CASE("watcher: the backoff is capped at its maximum") {
  runtime::WatcherConfig config;
  config.backoff.max = 5s;
  Fixture f(config);
  f.server->fault({"GET", "/configmaps", 500, 10});
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 6; ++i) {
    delays.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(f.watcher.step(f.cancel)));
  }
  CHECK(delays == std::vector<std::chrono::milliseconds>{800ms, 1600ms, 3200ms, 5s, 5s, 5s});
}

TEST_CASE("watcher: run() sleeps its backoff on the clock and stops when cancelled") {
  Fixture f;
  f.server->put(kConfigMaps, configMap("a"));
  f.server->fault({"GET", "/configmaps", 500, 1});
  std::thread runner([&] { f.watcher.run(f.cancel); });

  // First list fails: the watcher sleeps 800 ms of fake time before listing again.
  REQUIRE(f.clock->awaitSleepers(1));
  CHECK(f.events.empty());
  f.clock->advance(800ms);
  // Then it lists and watches; with nothing happening it backs off between empty watches.
  REQUIRE(f.server->waitFor([&] { return f.watchRequests().size() >= 1; }));
  REQUIRE(f.clock->awaitSleepers(1));
  f.cancel.cancel();
  runner.join();
  REQUIRE(!f.events.empty());
  CHECK(f.events[0].type == WatcherEvent::Type::Restarted);
}

TEST_CASE("backoff: jitter stretches each delay by up to the jitter factor, within the cap") {
  runtime::Backoff half(runtime::BackoffPolicy{}, std::make_shared<runtime::FixedRandom>(0.5));
  CHECK(half.next() == 1000ms);  // 800 ms * (1 + 0.5 * 0.5)
  CHECK(half.next() == 2000ms);
  runtime::Backoff most(runtime::BackoffPolicy{800ms, 30s, 2.0, 0.5},
                        std::make_shared<runtime::FixedRandom>(0.999));
  for (int i = 0; i < 10; ++i) (void)most.next();
  CHECK(most.next() == 30s);  // jitter never pushes past the cap
  most.reset();
  CHECK(most.attempts() == 0);
  CHECK(most.next() < 1200ms);
}

TEST_CASE("watcher: isExpired recognizes 410 and the Expired reason") {
  CHECK(runtime::isExpired(kube::Error(kube::ErrorKind::Gone, "gone", 410)));
  CHECK(runtime::isExpired(kube::Error(kube::ErrorKind::Other, "x", 0, "Expired")));
  CHECK_FALSE(runtime::isExpired(kube::Error(kube::ErrorKind::Server, "boom", 500)));
  CHECK_FALSE(runtime::isExpired(kube::Error(kube::ErrorKind::Decode, "bad line")));
}

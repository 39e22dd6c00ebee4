#include <catch2/catch.hpp>

#include "runtime/event_recorder.h"
#include "runtime/fake_clock.h"
#include "support/fake_api_server.h"

using namespace std::chrono_literals;
using runtime::EventRecorder;
using testsupport::FakeApiServer;
using testsupport::Json;

namespace {

const std::string kEvents = "/apis/events.k8s.io/v1/events";

Json registry() {
  return {{"apiVersion", "imageregistry.io/v1alpha1"},
          {"kind", "RegistryConfig"},
          {"metadata",
           {{"name", "reg"}, {"namespace", "ns"}, {"uid", "u-1"}, {"resourceVersion", "7"}}},
          {"spec", {{"huge", std::string(10000, 'x')}}}};
}

struct Fixture {
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>();
  std::shared_ptr<runtime::FakeClock> clock = std::make_shared<runtime::FakeClock>();
  EventRecorder recorder;

  explicit Fixture(runtime::EventRecorderConfig config = {})
      : recorder(FakeApiServer::clientFor(server), withInstance(config), clock,
                 std::make_shared<runtime::FixedRandom>()) {}

  static runtime::EventRecorderConfig withInstance(runtime::EventRecorderConfig config) {
    config.reporting_instance = "pod-1";
    return config;
  }
  std::vector<FakeApiServer::Request> requests(const std::string& method) {
    std::vector<FakeApiServer::Request> out;
    for (auto& r : server->requests()) {
      if (r.method == method) out.push_back(r);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("events: an events.k8s.io/v1 Event names the object, reason, action and note") {
  Fixture f;
  f.recorder.warning(registry(), "InvalidSpec", "Validate", "spec.storage: exactly one type");
  f.recorder.drain();
  const auto posts = f.requests("POST");
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].target == "/apis/events.k8s.io/v1/namespaces/ns/events");
  auto event = Json::parse(posts[0].body);
  CHECK(event["type"] == "Warning");
  CHECK(event["reason"] == "InvalidSpec");
  CHECK(event["action"] == "Validate");
  CHECK(event["note"] == "spec.storage: exactly one type");
  CHECK(event["reportingController"] == "registry-operator");
  CHECK(event["reportingInstance"] == "pod-1");
  CHECK(event["eventTime"] == "2023-11-14T22:13:20.000000Z");
  CHECK(event["metadata"]["namespace"] == "ns");
  CHECK(event["metadata"]["name"].get<std::string>().rfind("reg.", 0) == 0);
  CHECK(event["regarding"] == Json{{"apiVersion", "imageregistry.io/v1alpha1"},
                                   {"kind", "RegistryConfig"},
                                   {"name", "reg"},
                                   {"namespace", "ns"},
                                   {"uid", "u-1"},
                                   {"resourceVersion", "7"}});
}

TEST_CASE("events: repeats bump the series instead of creating new Events") {
  Fixture f;
  for (int i = 0; i < 3; ++i) {
    f.recorder.warning(registry(), "ApplyFailed", "Apply", "conflict");
    f.clock->advance(10s);
  }
  f.recorder.drain();
  CHECK(f.requests("POST").size() == 1);
  const auto patches = f.requests("PATCH");
  REQUIRE(patches.size() == 2);
  auto stored = f.server->requests();
  auto series = Json::parse(patches[1].body)["series"];
  CHECK(series["count"] == 3);
  CHECK(series["lastObservedTime"] == "2023-11-14T22:13:40.000000Z");

  // A different note, type, reason or object is a different Event.
  f.recorder.warning(registry(), "ApplyFailed", "Apply", "another message");
  f.recorder.normal(registry(), "ApplyFailed", "Apply", "conflict");
  auto other = registry();
  other["metadata"]["uid"] = "u-2";
  f.recorder.warning(other, "ApplyFailed", "Apply", "conflict");
  f.recorder.drain();
  CHECK(f.requests("POST").size() == 4);
}

TEST_CASE("events: after the series window, or if the Event is gone, a new Event is created") {
  Fixture f;
  f.recorder.normal(registry(), "Applied", "Apply", "ok");
  f.recorder.drain();
  f.clock->advance(7min);
  f.recorder.normal(registry(), "Applied", "Apply", "ok");
  f.recorder.drain();
  CHECK(f.requests("POST").size() == 2);
  CHECK(f.requests("PATCH").empty());

  // The server expired the Event: the bump finds nothing and a new one is created.
  f.server->fault({"PATCH", "/events/", 404, 1});
  f.recorder.normal(registry(), "Applied", "Apply", "ok");
  f.recorder.drain();
  CHECK(f.requests("POST").size() == 3);
}

TEST_CASE("events: notes are capped at 1 kB without splitting a character") {
  Fixture f;
  std::string note(1023, 'a');
  note += "\xC3\xA9tail";  // a two-byte character straddling the limit
  f.recorder.normal(registry(), "R", "A", note);
  f.recorder.drain();
  auto event = Json::parse(f.requests("POST").at(0).body);
  CHECK(event["note"].get<std::string>() == std::string(1023, 'a'));
}

TEST_CASE("events: recording never blocks, a full queue drops") {
  runtime::EventRecorderConfig config;
  config.queue_capacity = 2;
  Fixture f(config);
  for (int i = 0; i < 5; ++i) f.recorder.normal(registry(), "R" + std::to_string(i), "A", "n");
  CHECK(f.recorder.dropped() == 3);
  f.recorder.drain();
  CHECK(f.requests("POST").size() == 2);
}

TEST_CASE("events: the background writer flushes on stop, API errors are swallowed") {
  Fixture f;
  f.recorder.start();
  f.server->fault({"POST", "/events", 500, 1});
  f.recorder.normal(registry(), "First", "A", "lost to a server error");
  f.recorder.normal(registry(), "Second", "A", "written");
  f.recorder.stop();
  const auto posts = f.requests("POST");
  REQUIRE(posts.size() == 2);
  CHECK(Json::parse(posts[1].body)["reason"] == "Second");
  CHECK(f.recorder.dropped() == 0);
}

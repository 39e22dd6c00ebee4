#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "kube/api.h"
#include "runtime/controller.h"
#include "runtime/metrics.h"
#include "runtime/owner_reference.h"
#include "support/fake_api_server.h"

using namespace std::chrono_literals;
using runtime::Action;
using runtime::ObjectKey;
using runtime::ReconcileError;
using runtime::ReconcileResult;
using testsupport::FakeApiServer;
using testsupport::Json;

namespace {

const std::string kConfigMaps = "/api/v1/configmaps";
const std::string kSecrets = "/api/v1/secrets";
const std::string kServices = "/api/v1/services";

Json object(const std::string& kind, const std::string& name) {
  return {{"apiVersion", kind == "Deployment" ? "apps/v1" : "v1"},
          {"kind", kind},
          {"metadata", {{"name", name}, {"namespace", "ns"}}}};
}

Json ownedBy(Json child, const Json& owner) {
  child["metadata"]["ownerReferences"] = Json::array({runtime::controllerReference(owner)});
  return child;
}

// Records reconciles and checks that no key is ever handled twice at once.
struct Recorder {
  std::mutex mutex;
  std::map<std::string, int> count;
  std::set<std::string> in_flight;
  std::atomic<bool> overlap{false};
  std::function<ReconcileResult(const ObjectKey&, int)> behaviour =
      [](const ObjectKey&, int) -> ReconcileResult { return Action::awaitChange(); };

  ReconcileResult operator()(const ObjectKey& key, const kube::CancelToken&) {
    int n;
    {
      std::lock_guard guard(mutex);
      if (!in_flight.insert(key.str()).second) overlap = true;
      n = ++count[key.str()];
    }
    auto result = behaviour(key, n);
    std::lock_guard guard(mutex);
    in_flight.erase(key.str());
    return result;
  }
  int of(const std::string& key) {
    std::lock_guard guard(mutex);
    return count[key];
  }
  bool idle() {
    std::lock_guard guard(mutex);
    return in_flight.empty();
  }
};

struct Fixture {
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>();
  kube::ClientPtr client = FakeApiServer::clientFor(server);
  std::shared_ptr<runtime::Metrics> metrics = std::make_shared<runtime::Metrics>();
  Recorder recorder;
  kube::CancelToken cancel;
  std::unique_ptr<runtime::Controller> controller;
  std::thread runner;
  std::atomic<bool> drained{false};

  Fixture(int workers = 3, std::chrono::milliseconds shutdown_timeout = 10s) {
    runtime::ControllerOptions options;
    options.name = "test";
    options.workers = workers;
    options.metrics = metrics;
    options.shutdown_timeout = shutdown_timeout;
    controller = std::make_unique<runtime::Controller>(
        kube::Api(client, kube::resources::configMaps(), "ns"), options);
    controller->owns(kube::Api(client, kube::resources::secrets(), "ns"))
        .watches(kube::Api(client, kube::resources::services(), "ns"), [](const Json& service) {
          std::vector<ObjectKey> keys;
          const auto& target = kube::at(service, "/metadata/annotations/for");
          if (target.is_string()) keys.push_back({"ns", target.get<std::string>()});
          return keys;
        });
  }
  void start() {
    start([this](const ObjectKey& key, const kube::CancelToken& stopping) {
      return recorder(key, stopping);
    });
  }
  void start(runtime::Reconciler reconciler) {
    runner = std::thread([this, reconciler = std::move(reconciler)] {
      drained = controller->run(reconciler, cancel);
    });
  }
  void stop() {
    cancel.cancel();
    if (runner.joinable()) runner.join();
  }
  ~Fixture() { stop(); }
  bool until(const std::function<bool()>& predicate) { return server->waitFor(predicate); }
};

}  // namespace

TEST_CASE("controller: reconciles every primary once caches sync, then on each change") {
  // Level-triggered: one change may cause more than one reconcile (the update notifies both the
  // old and the new object), so counts are checked as "at least" and as "unchanged".
  Fixture f;
  auto a = f.server->put(kConfigMaps, object("ConfigMap", "a"));
  auto b = f.server->put(kConfigMaps, object("ConfigMap", "b"));
  f.start();
  REQUIRE(f.until([&] { return f.recorder.of("ns/a") >= 1 && f.recorder.of("ns/b") >= 1; }));
  CHECK(f.controller->synced());
  REQUIRE(f.controller->store()->get("ns/a"));

  // The primary changes.
  int before = f.recorder.of("ns/b");
  f.server->put(kConfigMaps, object("ConfigMap", "b"));
  REQUIRE(f.until([&] { return f.recorder.of("ns/b") > before; }));

  // An owned Secret changes: its controller owner is reconciled.
  before = f.recorder.of("ns/a");
  f.server->put(kSecrets, ownedBy(object("Secret", "a-child"), a));
  REQUIRE(f.until([&] { return f.recorder.of("ns/a") > before; }));
  REQUIRE(f.controller->store(kube::resources::secrets()));
  REQUIRE(f.until([&] { return f.controller->queue().len() == 0; }));

  // Owned by another kind, or by nothing: ignored. To know those events were handled, follow
  // them with one that is not ignored (one informer handles its events in order).
  const int a_before = f.recorder.of("ns/a");
  const int b_before = f.recorder.of("ns/b");
  auto deployment = object("Deployment", "a");
  deployment["metadata"]["uid"] = "d1";
  f.server->put(kSecrets, ownedBy(object("Secret", "foreign"), deployment));
  f.server->put(kSecrets, object("Secret", "orphan"));
  f.server->put(kSecrets, ownedBy(object("Secret", "b-child"), b));
  REQUIRE(f.until([&] { return f.recorder.of("ns/b") > b_before; }));
  CHECK(f.recorder.of("ns/a") == a_before);
  CHECK(f.controller->store(kube::resources::secrets())->listControlledBy(kube::uid(a)).size() ==
        1);

  // A watched Service maps to the key it names.
  auto service = object("Service", "svc");
  service["metadata"]["annotations"] = {{"for", "mapped"}};
  f.server->put(kServices, service);
  REQUIRE(f.until([&] { return f.recorder.of("ns/mapped") >= 1; }));

  // The owned Secret is deleted: the owner hears about it.
  before = f.recorder.of("ns/a");
  f.server->erase(kSecrets, "ns/a-child");
  REQUIRE(f.until([&] { return f.recorder.of("ns/a") > before; }));

  f.stop();
  CHECK(f.drained);
  CHECK_FALSE(f.recorder.overlap);
  const auto text = f.metrics->render();
  CHECK(text.find("controller_runtime_reconcile_total{controller=\"test\",result=\"success\"}") !=
        std::string::npos);
  CHECK(text.find("controller_runtime_reconcile_time_seconds_count{controller=\"test\"}") !=
        std::string::npos);
}

TEST_CASE("controller: errors are retried with backoff, terminal errors are not") {
  Fixture f;
  f.recorder.behaviour = [](const ObjectKey& key, int n) -> ReconcileResult {
    if (key.name == "flaky" && n < 3) return ReconcileError("try again");
    if (key.name == "throttled" && n < 2) {
      return kube::Error(kube::ErrorKind::TooManyRequests, "slow down", 429, "TooManyRequests");
    }
    if (key.name == "broken") return ReconcileError::terminal("cannot ever work");
    if (key.name == "throws" && n < 2) throw std::runtime_error("bug");
    return Action::awaitChange();
  };
  for (auto name : {"flaky", "broken", "throws", "throttled"}) {
    f.server->put(kConfigMaps, object("ConfigMap", name));
  }
  f.start();
  REQUIRE(f.until([&] {
    return f.recorder.of("ns/flaky") >= 3 && f.recorder.of("ns/throws") >= 2 &&
           f.recorder.of("ns/throttled") >= 2 && f.recorder.of("ns/broken") >= 1;
  }));
  // Success forgot the backoff; the terminal error was never requeued.
  REQUIRE(f.until([&] { return f.controller->queue().numRequeues({"ns", "flaky"}) == 0; }));
  CHECK(f.controller->queue().numRequeues({"ns", "broken"}) == 0);
  CHECK(f.controller->queue().waitingLen() == 0);
  CHECK(f.recorder.of("ns/broken") == 1);
  f.stop();
  const auto text = f.metrics->render();
  CHECK(text.find("controller_runtime_reconcile_errors_total{controller=\"test\"} 5") !=
        std::string::npos);
  CHECK(text.find("controller_runtime_terminal_reconcile_errors_total{controller=\"test\"} 1") !=
        std::string::npos);
}

TEST_CASE("controller: requeueAfter schedules the key again") {
  Fixture f;
  f.recorder.behaviour = [](const ObjectKey&, int n) -> ReconcileResult {
    return n == 1 ? Action::requeueAfter(10ms) : Action::requeueAfter(1h);
  };
  f.server->put(kConfigMaps, object("ConfigMap", "poll"));
  f.start();
  REQUIRE(f.until([&] { return f.recorder.of("ns/poll") >= 2; }));
  REQUIRE(f.until([&] { return f.controller->queue().waitingLen() == 1; }));
  f.stop();
  const auto text = f.metrics->render();
  CHECK(text.find("result=\"requeue_after\"") != std::string::npos);
}

TEST_CASE("controller: a key is never reconciled by two workers at once") {
  Fixture f(4);
  std::atomic<int> total{0};
  f.recorder.behaviour = [&](const ObjectKey&, int) -> ReconcileResult {
    ++total;
    std::this_thread::yield();
    return Action::awaitChange();
  };
  for (int i = 0; i < 5; ++i)
    f.server->put(kConfigMaps, object("ConfigMap", "k" + std::to_string(i)));
  f.start();
  REQUIRE(f.until([&] { return total >= 5; }));
  for (int round = 0; round < 200; ++round) {
    f.server->put(kConfigMaps, object("ConfigMap", "k" + std::to_string(round % 5)));
  }
  // Every key sees its last change (level-triggered: fewer reconciles than events is fine).
  REQUIRE(f.until([&] {
    auto store = f.controller->store();
    return store->get("ns/k4") &&
           kube::resourceVersion(*store->get("ns/k4")) ==
               kube::resourceVersion(*f.server->object(kConfigMaps, "ns/k4"));
  }));
  f.stop();
  CHECK_FALSE(f.recorder.overlap);
}

TEST_CASE("controller: shutdown waits for in-flight reconciles up to the deadline") {
  SECTION("finishing in time") {
    Fixture f;
    std::atomic<bool> entered{false};
    std::atomic<bool> release{false};
    f.recorder.behaviour = [&](const ObjectKey&, int) -> ReconcileResult {
      entered = true;
      while (!release) std::this_thread::yield();
      return Action::awaitChange();
    };
    f.server->put(kConfigMaps, object("ConfigMap", "slow"));
    f.start();
    REQUIRE(f.until([&] { return entered.load(); }));
    f.cancel.cancel();
    release = true;
    f.stop();
    CHECK(f.drained);
  }
  SECTION("past the deadline") {
    Fixture f(1, 20ms);
    std::atomic<bool> entered{false};
    std::atomic<bool> release{false};
    std::atomic<bool> finished{false};
    f.recorder.behaviour = [&](const ObjectKey&, int) -> ReconcileResult {
      entered = true;
      while (!release) std::this_thread::yield();
      finished = true;
      return Action::awaitChange();
    };
    f.server->put(kConfigMaps, object("ConfigMap", "stuck"));
    f.start();
    REQUIRE(f.until([&] { return entered.load(); }));
    f.stop();
    CHECK_FALSE(f.drained);
    // Let the detached worker leave the reconciler before the test's locals go away.
    release = true;
    REQUIRE(f.until([&] { return finished.load() && f.recorder.idle(); }));
    f.controller.reset();
  }
}

TEST_CASE("controller: workers start only after every cache has synced") {
  Fixture f;
  f.server->put(kConfigMaps, object("ConfigMap", "a"));
  // The owned kind cannot be listed at first.
  f.server->fault({"GET", "/secrets", 500, 1});
  f.start();
  // The primary lists at once, but no reconcile runs until secrets are listed too (the
  // watcher's first retry comes after its 800 ms-ish backoff on the real clock).
  REQUIRE(f.until([&] { return f.controller->store()->synced(); }));
  CHECK(f.recorder.of("ns/a") == 0);
  CHECK_FALSE(f.controller->synced());
  REQUIRE(f.until([&] { return f.recorder.of("ns/a") >= 1; }));
  CHECK(f.controller->synced());
}

TEST_CASE(
    "controller: a reconcile blocked in a request returns promptly when the controller stops") {
  // A shutdown deadline far beyond what the test waits: only the token can end the request.
  Fixture f(1, 60s);
  f.server->put(kConfigMaps, object("ConfigMap", "a"));
  f.server->hold("GET", "/secrets/slow");  // the API server never answers this read
  std::mutex mutex;
  std::optional<kube::Error> failure;
  f.start([&](const ObjectKey& key, const kube::CancelToken& stopping) -> ReconcileResult {
    auto secret =
        kube::Api(f.client, kube::resources::secrets(), key.ns).withCancel(stopping).get("slow");
    if (secret) return Action::awaitChange();
    std::lock_guard guard(mutex);
    failure = secret.error();
    return secret.error();
  });
  REQUIRE(f.until([&] { return f.server->heldRequests() == 1; }));
  const auto stopping_at = std::chrono::steady_clock::now();
  f.stop();
  // Well under the fake server's own 10 s limit on holding a request.
  CHECK(std::chrono::steady_clock::now() - stopping_at < 5s);
  CHECK(f.drained);
  std::lock_guard guard(mutex);
  REQUIRE(failure);
  CHECK(failure->kind() == kube::ErrorKind::Cancelled);
  CHECK(f.server->heldRequests() == 0);
}

TEST_CASE("controller: every reconcile is handed the token that fires when the controller stops") {
  Fixture f(2, 60s);
  std::atomic<int> seen_live{0};
  std::atomic<bool> seen_cancelled{false};
  f.start([&](const ObjectKey&, const kube::CancelToken& stopping) -> ReconcileResult {
    if (stopping.cancelled()) seen_cancelled = true;
    ++seen_live;
    // A long step that watches the token, as a reconcile may between its requests.
    (void)stopping.sleepFor(20s);
    return Action::awaitChange();
  });
  f.server->put(kConfigMaps, object("ConfigMap", "a"));
  f.server->put(kConfigMaps, object("ConfigMap", "b"));
  REQUIRE(f.until([&] { return seen_live == 2; }));
  const auto stopping_at = std::chrono::steady_clock::now();
  f.stop();
  CHECK(std::chrono::steady_clock::now() - stopping_at < 5s);
  CHECK(f.drained);
  CHECK_FALSE(seen_cancelled);  // live while running, fired only by the stop
}

TEST_CASE("controller: no reconcile starts once the token has fired") {
  // Under a Manager the token fires on lost leadership: from then on another replica may be
  // reconciling, so a worker must not take the next key, not even one already queued.
  Fixture f(1, 10s);
  std::atomic<int> started_cancelled{0};
  std::atomic<int> reconciles{0};
  f.start([&](const ObjectKey& key, const kube::CancelToken& stopping) -> ReconcileResult {
    if (stopping.cancelled()) ++started_cancelled;
    ++reconciles;
    if (key.name == "first") {
      f.controller->enqueue({"ns", "second"});
      f.cancel.cancel();  // say, the lease is lost while this reconcile runs
    }
    return Action::awaitChange();
  });
  f.server->put(kConfigMaps, object("ConfigMap", "first"));
  REQUIRE(f.until([&] { return f.cancel.cancelled(); }));
  f.stop();
  CHECK(f.drained);
  CHECK(reconciles == 1);
  CHECK(started_cancelled == 0);
}

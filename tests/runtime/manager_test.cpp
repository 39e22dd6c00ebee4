#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "kube/api.h"
#include "runtime/fake_clock.h"
#include "runtime/manager.h"
#include "runtime/time_format.h"
#include "support/fake_api_server.h"

using namespace std::chrono_literals;
using testsupport::FakeApiServer;
using testsupport::Json;

namespace {

const std::string kLeases = "/apis/coordination.k8s.io/v1/leases";
const std::string kConfigMaps = "/api/v1/configmaps";

struct Fixture {
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>();
  kube::ClientPtr client = FakeApiServer::clientFor(server);
  std::shared_ptr<runtime::FakeClock> clock = std::make_shared<runtime::FakeClock>();
  std::unique_ptr<runtime::Manager> manager;
  std::atomic<int> reconciles{0};
  // What a reconcile does besides counting; set before start().
  runtime::Reconciler behaviour;
  kube::CancelToken cancel;
  std::atomic<int> exit_code{-1};
  std::thread runner;

  explicit Fixture(std::chrono::milliseconds shutdown_timeout = 30s) {
    runtime::ManagerOptions options;
    options.metrics_address.clear();
    options.health_address.clear();
    options.leader_elect = true;
    options.leader_election.lease_namespace = "ns";
    options.leader_election.lease_name = "lock";
    options.leader_election.identity = "me";
    options.clock = clock;
    manager = std::make_unique<runtime::Manager>(client, options);
    auto controller_options = manager->controllerOptions("test");
    controller_options.shutdown_timeout = shutdown_timeout;
    auto controller = std::make_shared<runtime::Controller>(
        kube::Api(client, kube::resources::configMaps(), "ns"), controller_options);
    manager->add(controller,
                 [this](const runtime::ObjectKey& key,
                        const kube::CancelToken& stopping) -> runtime::ReconcileResult {
                   ++reconciles;
                   if (behaviour) return behaviour(key, stopping);
                   return runtime::Action::awaitChange();
                 });
    server->put(kConfigMaps, {{"apiVersion", "v1"},
                              {"kind", "ConfigMap"},
                              {"metadata", {{"name", "a"}, {"namespace", "ns"}}}});
  }
  void start() {
    runner = std::thread([this] { exit_code = manager->run(cancel); });
  }
  ~Fixture() {
    cancel.cancel();
    if (runner.joinable()) runner.join();
  }
  Json lease() { return server->object(kLeases, "ns/lock").value_or(Json()); }
  // Another holder takes the lease (say, an admin edits it); then the leader's next renewal,
  // 2 s later on the fake clock, finds it gone.
  void stealLease() {
    Json taken = lease();
    taken["spec"]["holderIdentity"] = "thief";
    taken["spec"]["renewTime"] = runtime::formatMicroTime(clock->wallNow());
    server->put(kLeases, taken);
    // A renewal already under way may find the thief at once and end the run (seen under
    // TSan); otherwise the elector sleeps until its next renewal.
    REQUIRE(server->waitFor([&] { return clock->sleepers() == 1 || exit_code != -1; }));
    clock->advance(2s);
  }
};

}  // namespace

TEST_CASE("manager: leads, runs the controllers, and on cancel stops them and releases") {
  Fixture f;
  f.start();
  REQUIRE(f.server->waitFor([&] { return f.manager->isRunningControllers() && f.reconciles > 0; }));
  CHECK(f.manager->observedLeader() == "me");
  // Every API request is counted by verb and code.
  CHECK(f.manager->metrics()->render().find(
            "rest_client_requests_total{code=\"201\",verb=\"POST\"}") != std::string::npos);
  f.cancel.cancel();
  f.runner.join();
  CHECK(f.exit_code == 0);
  CHECK_FALSE(f.manager->isRunningControllers());
  CHECK(f.lease()["spec"]["holderIdentity"] == "");
}

TEST_CASE("manager: a standby does not reconcile, losing the lease exits 1") {
  Fixture f;
  // Someone else holds a fresh lease.
  f.server->put(kLeases, {{"apiVersion", "coordination.k8s.io/v1"},
                          {"kind", "Lease"},
                          {"metadata", {{"name", "lock"}, {"namespace", "ns"}}},
                          {"spec",
                           {{"holderIdentity", "other"},
                            {"leaseDurationSeconds", 15},
                            {"renewTime", runtime::formatMicroTime(f.clock->wallNow())}}}});
  f.start();
  REQUIRE(f.clock->awaitSleepers(1));  // the elector waits for its next try
  CHECK(f.manager->observedLeader() == "other");
  CHECK_FALSE(f.manager->isRunningControllers());
  CHECK(f.reconciles == 0);

  // The other holder vanishes: after the lease duration we take over.
  for (int i = 0; i < 9 && !f.manager->isRunningControllers(); ++i) {
    const auto before = f.server->requests().size();
    REQUIRE(f.server->waitFor([&] { return f.clock->sleepers() == 1; }));
    f.clock->advance(2s);
    REQUIRE(f.server->waitFor([&] { return f.server->requests().size() > before; }));
  }
  REQUIRE(f.server->waitFor([&] { return f.manager->isRunningControllers() && f.reconciles > 0; }));

  // Then it is taken from us (say, by an admin): the manager stops and reports failure.
  f.stealLease();
  f.runner.join();
  CHECK(f.exit_code == 1);
  CHECK(f.lease()["spec"]["holderIdentity"] == "thief");  // not released: it is not ours
}

TEST_CASE("manager: losing the lease cancels the reconciles in flight") {
  Fixture f;
  f.server->hold("GET", "/secrets/slow");  // the API server never answers this read
  std::atomic<bool> cancelled{false};
  f.behaviour = [&](const runtime::ObjectKey& key,
                    const kube::CancelToken& stopping) -> runtime::ReconcileResult {
    auto secret =
        kube::Api(f.client, kube::resources::secrets(), key.ns).withCancel(stopping).get("slow");
    if (secret) return runtime::Action::awaitChange();
    if (secret.error().is(kube::ErrorKind::Cancelled)) cancelled = true;
    return secret.error();
  };
  f.start();
  REQUIRE(f.server->waitFor([&] { return f.server->heldRequests() == 1; }));

  // The lease is taken from us while the reconcile waits on the API server.
  f.stealLease();
  f.runner.join();
  CHECK(f.exit_code == 1);
  // Cancelled by the lost lease, not released by the fake server's 10 s limit.
  CHECK(cancelled);
  CHECK(f.server->heldRequests() == 0);
}

TEST_CASE("manager: a renewal that hangs stops the reconciles at the renew deadline") {
  Fixture f;
  f.server->hold("GET", "/secrets/slow");  // the reconcile waits on the API server...
  std::atomic<bool> cancelled{false};
  f.behaviour = [&](const runtime::ObjectKey& key,
                    const kube::CancelToken& stopping) -> runtime::ReconcileResult {
    auto secret =
        kube::Api(f.client, kube::resources::secrets(), key.ns).withCancel(stopping).get("slow");
    if (secret) return runtime::Action::awaitChange();
    if (secret.error().is(kube::ErrorKind::Cancelled)) cancelled = true;
    return secret.error();
  };
  f.start();
  REQUIRE(f.server->waitFor([&] { return f.server->heldRequests() == 1; }));

  // ...and so does the next renewal of the lease (30 s of real time unless cancelled).
  f.server->hold("", "/leases/lock", 1, 30s);
  REQUIRE(f.server->waitFor([&] { return f.clock->sleepers() == 1; }));
  f.clock->advance(2s);
  REQUIRE(f.server->waitFor([&] { return f.server->heldRequests() == 2; }));
  CHECK(f.manager->isRunningControllers());
  f.clock->advance(8s);  // the renew deadline: 10 s after the renewal at t = 0
  REQUIRE(f.server->waitFor([&] { return f.exit_code != -1; }));
  f.runner.join();
  CHECK(f.exit_code == 1);
  CHECK(cancelled);
  CHECK_FALSE(f.manager->isRunningControllers());
  CHECK(f.server->heldRequests() == 0);
}

TEST_CASE("manager: a shutdown that cannot drain reports it, for the caller to exit at once") {
  Fixture f(50ms);
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
  std::atomic<bool> finished{false};
  f.behaviour = [&](const runtime::ObjectKey&,
                    const kube::CancelToken&) -> runtime::ReconcileResult {
    entered = true;  // a reconcile that ignores its token
    while (!release) std::this_thread::sleep_for(1ms);
    finished = true;
    return runtime::Action::awaitChange();
  };
  f.start();
  REQUIRE(f.server->waitFor([&] { return entered.load(); }));
  CHECK(f.manager->drained());
  f.cancel.cancel();
  f.runner.join();
  CHECK(f.exit_code == 1);
  CHECK_FALSE(f.manager->drained());  // run() returned with the reconcile still running
  CHECK_FALSE(finished);
  // The test, unlike the operator (runtime::exitNow), lets it finish before tearing down.
  release = true;
  REQUIRE(f.server->waitFor([&] { return finished.load(); }));
}

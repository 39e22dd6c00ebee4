#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "kube/api.h"
#include "runtime/fake_clock.h"
#include "runtime/leader_election.h"
#include "runtime/time_format.h"
#include "support/fake_api_server.h"

using namespace std::chrono_literals;
using runtime::LeaderElectionConfig;
using runtime::LeaderElector;
using testsupport::FakeApiServer;
using testsupport::Json;

namespace {

const std::string kLeases = "/apis/coordination.k8s.io/v1/leases";

struct Fixture {
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>();
  kube::ClientPtr client = FakeApiServer::clientFor(server);
  std::shared_ptr<runtime::FakeClock> clock = std::make_shared<runtime::FakeClock>();

  std::unique_ptr<LeaderElector> candidate(const std::string& identity) {
    LeaderElectionConfig config;
    config.lease_name = "lock";
    config.lease_namespace = "ns";
    config.identity = identity;
    return std::make_unique<LeaderElector>(kube::Api(client, kube::resources::leases()), config,
                                           clock);
  }
  Json spec() { return server->object(kLeases, "ns/lock").value_or(Json())["spec"]; }
};

}  // namespace

TEST_CASE("leader election: the first candidate creates the lease and renews it") {
  Fixture f;
  auto a = f.candidate("a");
  CHECK(a->tryAcquireOrRenew());
  auto spec = f.spec();
  CHECK(spec["holderIdentity"] == "a");
  CHECK(spec["leaseDurationSeconds"] == 15);
  CHECK(spec["leaseTransitions"] == 0);
  CHECK(spec["renewTime"] == runtime::formatMicroTime(f.clock->wallNow()));
  const auto acquired = spec["acquireTime"];

  f.clock->advance(2s);
  CHECK(a->tryAcquireOrRenew());
  spec = f.spec();
  CHECK(spec["renewTime"] == runtime::formatMicroTime(f.clock->wallNow()));
  CHECK(spec["acquireTime"] == acquired);  // a renewal is not a new acquisition
  CHECK(spec["leaseTransitions"] == 0);
  // Every write is an update carrying the resourceVersion read, never an apply.
  for (const auto& request : f.server->requests()) {
    if (request.method == "PUT")
      CHECK(Json::parse(request.body)["metadata"].contains("resourceVersion"));
    CHECK(request.method != "PATCH");
  }
}

TEST_CASE("leader election: a live lease is respected; an expired one is taken over") {
  Fixture f;
  auto a = f.candidate("a");
  auto b = f.candidate("b");
  REQUIRE(a->tryAcquireOrRenew());
  CHECK_FALSE(b->tryAcquireOrRenew());
  CHECK(b->observedLeader() == "a");

  // a keeps renewing: b never gets it.
  for (int i = 0; i < 20; ++i) {
    f.clock->advance(2s);
    REQUIRE(a->tryAcquireOrRenew());
    CHECK_FALSE(b->tryAcquireOrRenew());
  }
  // a stops (crashed without releasing). b takes over once 15 s have passed since a's last
  // renewal, polling every 2 s: within lease duration + retry period.
  int waited = 0;
  while (!b->tryAcquireOrRenew()) {
    f.clock->advance(2s);
    waited += 2;
    REQUIRE(waited <= 20);
  }
  CHECK(waited >= 14);
  CHECK(waited <= 17);
  CHECK(f.spec()["holderIdentity"] == "b");
  CHECK(f.spec()["leaseTransitions"] == 1);
  // a comes back: it is no longer the holder and must not take it back.
  CHECK_FALSE(a->tryAcquireOrRenew());
  CHECK(a->observedLeader() == "b");
}

TEST_CASE("leader election: a released lease is taken at once") {
  Fixture f;
  auto a = f.candidate("a");
  auto b = f.candidate("b");
  REQUIRE(a->tryAcquireOrRenew());
  CHECK_FALSE(b->tryAcquireOrRenew());
  REQUIRE(a->release());
  CHECK(f.spec()["holderIdentity"] == "");
  CHECK(b->tryAcquireOrRenew());
  CHECK(f.spec()["holderIdentity"] == "b");
}

TEST_CASE("leader election: two candidates racing on one version: only one wins") {
  Fixture f;
  auto a = f.candidate("a");
  auto b = f.candidate("b");
  auto c = f.candidate("c");
  REQUIRE(c->tryAcquireOrRenew());
  REQUIRE(c->release());
  // Both read the free lease; the second update carries a stale resourceVersion (409).
  f.server->fault({"PUT", "/leases/lock", 409, 1});
  const bool a_won = a->tryAcquireOrRenew();
  const bool b_won = b->tryAcquireOrRenew();
  CHECK(a_won != b_won);
}

TEST_CASE("leader election: run() leads until cancelled, then releases") {
  Fixture f;
  auto a = f.candidate("a");
  std::atomic<int> started{0}, stopped{0};
  runtime::LeaderCallbacks callbacks;
  callbacks.on_started_leading = [&] { ++started; };
  callbacks.on_stopped_leading = [&] { ++stopped; };
  kube::CancelToken cancel;
  LeaderElector::Outcome outcome{};
  std::thread runner([&] { outcome = a->run(cancel, callbacks); });
  REQUIRE(f.clock->awaitSleepers(1));
  CHECK(started == 1);
  CHECK(a->isLeader());
  for (int i = 0; i < 5; ++i) {
    // Advance only once the elector sleeps again, or the advance would be lost to it.
    REQUIRE(f.clock->awaitSleepers(1));
    f.clock->advance(2s);
    REQUIRE(f.server->waitFor(
        [&] { return f.spec()["renewTime"] == runtime::formatMicroTime(f.clock->wallNow()); }));
  }
  cancel.cancel();
  runner.join();
  CHECK(outcome == LeaderElector::Outcome::Cancelled);
  CHECK(stopped == 1);
  CHECK_FALSE(a->isLeader());
  CHECK(f.spec()["holderIdentity"] == "");
}

TEST_CASE("leader election: run() reports Lost when renewals fail past the renew deadline") {
  Fixture f;
  auto a = f.candidate("a");
  std::atomic<int> stopped{0};
  runtime::LeaderCallbacks callbacks;
  callbacks.on_stopped_leading = [&] { ++stopped; };
  kube::CancelToken cancel;
  std::atomic<bool> done{false};
  LeaderElector::Outcome outcome{};
  std::thread runner([&] {
    outcome = a->run(cancel, callbacks);
    done = true;
  });
  REQUIRE(f.clock->awaitSleepers(1));
  REQUIRE(a->isLeader());
  f.server->fault({"", "/leases/lock", 0, 1000});  // the API server is unreachable
  int advanced = 0;
  while (true) {
    // Step only while the elector sleeps; then wait for its next attempt to reach the server.
    const auto before = f.server->requests().size();
    REQUIRE(f.server->waitFor([&] { return done || f.clock->sleepers() == 1; }));
    if (done) break;
    f.clock->advance(2s);
    advanced += 2;
    REQUIRE(advanced <= 14);
    REQUIRE(f.server->waitFor([&] { return done || f.server->requests().size() > before; }));
  }
  runner.join();
  CHECK(outcome == LeaderElector::Outcome::Lost);
  CHECK(advanced >= 10);  // renew deadline
  CHECK(stopped == 1);
  CHECK_FALSE(a->isLeader());
}

TEST_CASE("leader election: run() stops leading at once when another holder shows up") {
  Fixture f;
  auto a = f.candidate("a");
  kube::CancelToken cancel;
  LeaderElector::Outcome outcome{};
  std::thread runner([&] { outcome = a->run(cancel, {}); });
  REQUIRE(f.clock->awaitSleepers(1));
  // Someone (say, an admin) hands the lease to "z".
  auto lease = *f.server->object(kLeases, "ns/lock");
  lease["spec"]["holderIdentity"] = "z";
  lease["spec"]["renewTime"] = runtime::formatMicroTime(f.clock->wallNow());
  f.server->put(kLeases, lease);
  f.clock->advance(2s);
  runner.join();
  CHECK(outcome == LeaderElector::Outcome::Lost);
}

TEST_CASE("leader election: default identity is hostname plus randomness") {
  runtime::FixedRandom random;
  const auto id = runtime::defaultIdentity(random);
  CHECK(id.find('_') != std::string::npos);
  CHECK(id.size() > 11);
}

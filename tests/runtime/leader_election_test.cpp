#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "kube/api.h"
#include "runtime/fake_clock.h"
#include "runtime/leader_election.h"
#include "runtime/metrics.h"
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

TEST_CASE("leader election: a live lease is respected, an expired one is taken over") {
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

// Runs an elector on its own thread; the destructor cancels and joins, so that a failed
// REQUIRE does not leave a joinable thread behind (std::terminate).
struct Running {
  LeaderElector& elector;
  runtime::LeaderCallbacks callbacks;
  kube::CancelToken cancel;
  std::atomic<bool> done{false};
  std::atomic<LeaderElector::Outcome> outcome{LeaderElector::Outcome::Cancelled};
  std::thread thread;

  explicit Running(LeaderElector& e, runtime::LeaderCallbacks c = {})
      : elector(e), callbacks(std::move(c)) {
    thread = std::thread([this] {
      outcome = elector.run(cancel, callbacks);
      done = true;
    });
  }
  ~Running() {
    cancel.cancel();
    thread.join();
  }
};

TEST_CASE("leader election: a renewal that hangs is abandoned at the renew deadline") {
  // client-go's safety margin holds only if a leader that cannot renew stops leading within
  // renew_deadline (10 s) of its last renewal, before others may take over (15 s). A renewal
  // whose request hangs must not stretch that: it is cancelled at the deadline.
  Fixture f;
  auto a = f.candidate("a");
  std::atomic<int> stopped{0};
  runtime::LeaderCallbacks callbacks;
  callbacks.on_stopped_leading = [&] { ++stopped; };
  Running running(*a, callbacks);
  REQUIRE(f.clock->awaitSleepers(1));
  REQUIRE(a->isLeader());  // renewed at t = 0

  // The API server stops answering: the next request on the lease hangs until cancelled, or
  // for 30 s of real time (far beyond what this test waits) if nothing cancels it.
  f.server->hold("", "/leases/lock", 1, 30s);
  f.clock->advance(2s);  // t = 2: the renewal starts, and hangs
  REQUIRE(f.server->waitFor([&] { return f.server->heldRequests() == 1; }));
  f.clock->advance(7s);  // t = 9: inside the renew deadline, still leading
  CHECK(a->isLeader());
  CHECK(f.server->heldRequests() == 1);

  f.clock->advance(1s);  // t = 10: the renew deadline
  REQUIRE(f.server->waitFor([&] { return running.done.load(); }));
  CHECK(running.outcome == LeaderElector::Outcome::Lost);
  CHECK_FALSE(a->isLeader());
  CHECK(stopped == 1);
  // Abandoned by the elector, not answered by the server's 30 s limit.
  CHECK(f.server->heldRequests() == 0);
  CHECK(f.server->requests().back().status == 0);
}

TEST_CASE("leader election: a renewal answered only after the renew deadline does not count") {
  Fixture f;
  // Every lease update takes 11 s of fake time to be answered (the clock moves while the
  // request is in flight), but is answered: the lease is written.
  struct Slow : kube::HttpTransport {
    std::shared_ptr<FakeApiServer> server;
    std::shared_ptr<runtime::FakeClock> clock;
    std::atomic<bool> slow{false};
    kube::Result<kube::HttpResponse> send(const kube::HttpRequest& request) override {
      auto response = server->send(request);
      if (slow && request.method == "PUT") clock->advance(11s);
      return response;
    }
    kube::Result<kube::HttpResponse> stream(const kube::HttpRequest& request,
                                            const kube::LineSink& on_line,
                                            const kube::CancelToken& cancel) override {
      return server->stream(request, on_line, cancel);
    }
  };
  auto slow = std::make_shared<Slow>();
  slow->server = f.server;
  slow->clock = f.clock;
  kube::ClusterConfig cluster;
  cluster.server = "https://fake.invalid";
  auto client = std::make_shared<kube::Client>(cluster, slow);
  LeaderElectionConfig config;
  config.lease_name = "lock";
  config.lease_namespace = "ns";
  config.identity = "a";
  LeaderElector a(kube::Api(client, kube::resources::leases()), config, f.clock);
  Running running(a);
  REQUIRE(f.clock->awaitSleepers(1));
  REQUIRE(a.isLeader());
  slow->slow = true;
  f.clock->advance(2s);  // the renewal starts at t = 2 and is answered at t = 13
  REQUIRE(f.server->waitFor([&] { return running.done.load(); }));
  CHECK(running.outcome == LeaderElector::Outcome::Lost);
  CHECK(f.spec()["holderIdentity"] == "a");  // written, but too late to rely on
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

TEST_CASE(
    "leader election: a standby reports leader_election_master_status 0, then 1 once it leads") {
  Fixture f;
  auto holder = f.candidate("a");
  REQUIRE(holder->tryAcquireOrRenew());
  auto metrics = std::make_shared<runtime::Metrics>();
  LeaderElectionConfig config;
  config.lease_name = "lock";
  config.lease_namespace = "ns";
  config.identity = "b";
  LeaderElector standby(kube::Api(f.client, kube::resources::leases()), config, f.clock, nullptr,
                        metrics);
  kube::CancelToken cancel;
  std::thread runner([&] { standby.run(cancel, {}); });
  REQUIRE(f.clock->awaitSleepers(1));
  // Present as 0 while a holds the lease: a replica that never led is still counted.
  CHECK(metrics->render().find("leader_election_master_status{name=\"lock\"} 0") !=
        std::string::npos);
  holder->release();
  f.clock->advance(2s);
  REQUIRE(f.server->waitFor([&] { return f.spec()["holderIdentity"] == "b"; }));
  REQUIRE(f.clock->awaitSleepers(1));
  CHECK(metrics->render().find("leader_election_master_status{name=\"lock\"} 1") !=
        std::string::npos);
  cancel.cancel();
  runner.join();
}

TEST_CASE("leader election: default identity is hostname plus randomness") {
  runtime::FixedRandom random;
  const auto id = runtime::defaultIdentity(random);
  CHECK(id.find('_') != std::string::npos);
  CHECK(id.size() > 11);
}

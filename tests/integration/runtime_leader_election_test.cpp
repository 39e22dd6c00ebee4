// Leader election against the real kube-apiserver: two operator instances (Managers, in one
// process, each with its own client), only the leader reconciles; when the leader dies without
// releasing, the other takes over within lease duration + retry period; a clean shutdown hands
// over at once.
#include <catch2/catch.hpp>

#include <atomic>
#include <iostream>
#include <thread>

#include "kube/api.h"
#include "runtime/manager.h"
#include "runtime_mirror_controller.h"
#include "support/cluster.h"

using namespace std::chrono_literals;
using kube::Json;
using runtime_test::MirrorController;

namespace {

Json mirroredConfigMap(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"labels", {{"mirror", "yes"}}}}},
          {"data", {{"value", name}}}};
}

// One operator process: a Manager with leader election and the toy controller.
struct Instance {
  std::string identity;
  std::unique_ptr<runtime::Manager> manager;
  std::unique_ptr<MirrorController> mirror;
  kube::CancelToken cancel;
  std::thread thread;
  std::atomic<int> exit_code{-1};

  Instance(const std::string& ns, std::string id, bool release_on_cancel)
      : identity(std::move(id)) {
    runtime::ManagerOptions options;
    options.metrics_address.clear();  // two instances in one process: no ports
    options.health_address.clear();
    options.leader_elect = true;
    options.leader_election.lease_namespace = ns;
    options.leader_election.lease_name = "mirror-leader";
    options.leader_election.identity = identity;
    options.leader_election.release_on_cancel = release_on_cancel;
    manager = std::make_unique<runtime::Manager>(testing::clusterClient(), options);
    mirror = std::make_unique<MirrorController>(manager->client(), ns,
                                                manager->controllerOptions("mirror-" + identity));
    manager->add(mirror->controller(), mirror->reconciler());
    thread = std::thread([this] { exit_code = manager->run(cancel); });
  }
  ~Instance() { stop(); }
  void stop() {
    cancel.cancel();
    if (thread.joinable()) thread.join();
  }
  bool leading() const { return manager->isRunningControllers(); }
};

std::string holder(const kube::Api& leases) {
  auto lease = leases.get("mirror-leader");
  if (!lease) return "<" + lease.error().describe() + ">";
  const auto& id = kube::at(*lease, "/spec/holderIdentity", "");
  return id.is_string() ? id.get<std::string>() : "";
}

bool secretExists(const kube::Api& secrets, const std::string& name) {
  return secrets.get(name).ok();
}

}  // namespace

TEST_CASE("runtime: only the leader reconciles, and a crashed leader is replaced within 17 s",
          "[runtime]") {
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client, "rt-leader");
  kube::Api config_maps(client, kube::resources::configMaps(), ns.name());
  kube::Api secrets(client, kube::resources::secrets(), ns.name());
  kube::Api leases(client, kube::resources::leases(), ns.name());

  auto a = std::make_unique<Instance>(ns.name(), "instance-a", /*release_on_cancel=*/false);
  REQUIRE(testing::eventually([&] { return a->leading(); }, 30s));
  auto b = std::make_unique<Instance>(ns.name(), "instance-b", /*release_on_cancel=*/false);
  CHECK(holder(leases) == "instance-a");
  REQUIRE(testing::eventually([&] { return b->manager->observedLeader() == "instance-a"; }, 10s));

  for (int i = 0; i < 20; ++i)
    REQUIRE(config_maps.create(mirroredConfigMap("cm-" + std::to_string(i))));
  REQUIRE(testing::eventually(
      [&] {
        for (int i = 0; i < 20; ++i) {
          if (!secretExists(secrets, "cm-" + std::to_string(i))) return false;
        }
        return true;
      },
      120s));
  CHECK(a->mirror->reconciles() >= 20);
  CHECK(b->mirror->reconciles() == 0);  // the standby watched, but never reconciled
  CHECK_FALSE(b->leading());
  // The standby's caches are warm all the same, ready for a fast takeover.
  CHECK(b->mirror->controller()->synced());

  // The leader "crashes": it stops renewing and does not release the lease.
  a->stop();
  const auto crashed = std::chrono::steady_clock::now();
  CHECK(a->exit_code == 0);
  CHECK(holder(leases) == "instance-a");
  REQUIRE(testing::eventually([&] { return b->leading(); }, 40s));
  const auto took = std::chrono::steady_clock::now() - crashed;
  std::cout << "runtime: standby took over "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after the leader stopped renewing" << std::endl;
  CHECK(holder(leases) == "instance-b");
  // lease duration (15 s) + retry period (2 s), plus a second for request latency and the
  // 100 ms polling of this test.
  CHECK(took <= 18s);

  // The new leader reconciles.
  REQUIRE(config_maps.create(mirroredConfigMap("after-takeover")));
  REQUIRE(testing::eventually([&] { return secretExists(secrets, "after-takeover"); }, 60s));
  CHECK(b->mirror->reconciles() > 0);
  b->stop();
}

TEST_CASE("runtime: a leader that shuts down cleanly hands over at once", "[runtime]") {
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client, "rt-release");
  kube::Api leases(client, kube::resources::leases(), ns.name());

  auto a = std::make_unique<Instance>(ns.name(), "instance-a", /*release_on_cancel=*/true);
  REQUIRE(testing::eventually([&] { return a->leading(); }, 30s));
  auto b = std::make_unique<Instance>(ns.name(), "instance-b", /*release_on_cancel=*/true);
  // b has looked at the lease and is now waiting out its retry period.
  REQUIRE(testing::eventually([&] { return b->manager->observedLeader() == "instance-a"; }, 10s));

  a->stop();  // releases the lease
  const auto released = std::chrono::steady_clock::now();
  CHECK(a->exit_code == 0);
  REQUIRE(testing::eventually([&] { return b->leading(); }, 30s));
  const auto took = std::chrono::steady_clock::now() - released;
  std::cout << "runtime: successor took over "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after a clean release" << std::endl;
  CHECK(took <= 4s);  // one retry period (2 s) plus latency, not the 15 s lease duration
  b->stop();
  CHECK(holder(leases) == "");
}

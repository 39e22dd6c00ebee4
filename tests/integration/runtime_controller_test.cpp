// The controller runtime against the real kube-apiserver: a toy controller (ConfigMap → Secret
// mirror) converges, stays quiet in a steady state, and loses no update across an API server
// restart.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <thread>

#include "kube/api.h"
#include "kube/base64.h"
#include "runtime/metrics.h"
#include "runtime_mirror_controller.h"
#include "support/cluster.h"

using namespace std::chrono_literals;
using kube::Json;
using runtime_test::MirrorController;

namespace {

Json mirroredConfigMap(const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"labels", {{"mirror", "yes"}}}}},
          {"data", {{"value", value}}}};
}

std::string cmName(int i) { return "cm-" + std::to_string(i); }

// Whether the cluster's Secrets are exactly the mirror of `expected` (name → value), read from
// the API server itself rather than from any cache.
bool mirrored(const kube::Api& secrets, const std::map<std::string, std::string>& expected,
              std::string* why = nullptr) {
  kube::ListParams params;
  params.label_selector = "mirrored=yes";
  params.limit = 500;
  auto listed = secrets.listAll(params);
  if (!listed) {
    if (why) *why = listed.error().describe();
    return false;
  }
  std::map<std::string, std::string> actual;
  for (const auto& secret : listed->items) {
    const auto& value = kube::at(secret, "/data/value", "");
    auto decoded = kube::base64Decode(value.is_string() ? value.get<std::string>() : "");
    actual[kube::name(secret)] = decoded.value_or("<undecodable>");
  }
  if (actual == expected) return true;
  if (why) {
    int missing = 0, wrong = 0, extra = 0;
    for (const auto& [name, value] : expected) {
      auto it = actual.find(name);
      if (it == actual.end()) {
        ++missing;
      } else if (it->second != value) {
        ++wrong;
      }
    }
    for (const auto& [name, value] : actual) extra += expected.count(name) ? 0 : 1;
    *why = std::to_string(missing) + " missing, " + std::to_string(wrong) + " stale, " +
           std::to_string(extra) + " extra";
  }
  return false;
}

// Runs a controller on a thread of its own for the scope of a test.
struct Running {
  kube::CancelToken cancel;
  std::thread thread;
  std::atomic<bool> drained{false};

  Running(MirrorController& mirror) {
    thread = std::thread(
        [this, &mirror] { drained = mirror.controller()->run(mirror.reconciler(), cancel); });
  }
  ~Running() { stop(); }
  void stop() {
    cancel.cancel();
    if (thread.joinable()) thread.join();
  }
};

runtime::ControllerOptions options(const std::shared_ptr<runtime::Metrics>& metrics) {
  runtime::ControllerOptions options;
  options.name = "mirror";
  options.workers = 4;
  options.metrics = metrics;
  return options;
}

// Updates a ConfigMap's value, retrying through conflicts and outages until it sticks.
bool setValue(const kube::Api& config_maps, const std::string& name, const std::string& value,
              std::chrono::seconds deadline = 120s) {
  return testing::eventually(
      [&] {
        return config_maps.mergePatch(name, {{"data", {{"value", value}}}}).ok();
      },
      deadline);
}

}  // namespace

TEST_CASE("runtime: a toy controller converges 200 objects and is quiet in a steady state",
          "[runtime]") {
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client, "rt-mirror");
  kube::Api config_maps(client, kube::resources::configMaps(), ns.name());
  kube::Api secrets(client, kube::resources::secrets(), ns.name());
  auto metrics = std::make_shared<runtime::Metrics>();
  auto controller_client = testing::clusterClient();
  controller_client->setObserver(metrics->requestObserver());
  MirrorController mirror(controller_client, ns.name(), options(metrics));

  std::map<std::string, std::string> expected;
  // Some objects exist before the controller starts (found by the initial list), the rest are
  // created while it runs (found by the watch).
  for (int i = 0; i < 100; ++i) {
    REQUIRE(config_maps.create(mirroredConfigMap(cmName(i), "v1-" + std::to_string(i))));
    expected[cmName(i)] = "v1-" + std::to_string(i);
  }
  // Not labelled: must not be mirrored.
  REQUIRE(config_maps.create(
      {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "ignored"}}}}));

  Running running(mirror);
  for (int i = 100; i < 200; ++i) {
    REQUIRE(config_maps.create(mirroredConfigMap(cmName(i), "v1-" + std::to_string(i))));
    expected[cmName(i)] = "v1-" + std::to_string(i);
  }
  std::string why;
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(testing::eventually([&] { return mirrored(secrets, expected, &why); }, 180s));
  INFO(why);
  std::cout << "runtime: 200 objects mirrored in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count()
            << " ms" << std::endl;

  // Updates and deletes converge too.
  for (int i = 0; i < 200; i += 2) {
    REQUIRE(setValue(config_maps, cmName(i), "v2-" + std::to_string(i)));
    expected[cmName(i)] = "v2-" + std::to_string(i);
  }
  for (int i = 1; i < 40; i += 2) {
    REQUIRE(config_maps.remove(cmName(i)));
    expected.erase(cmName(i));
  }
  REQUIRE(testing::eventually([&] { return mirrored(secrets, expected, &why); }, 180s));

  // Steady state: reconciling every key again makes no write at all.
  REQUIRE(testing::eventually([&] { return mirror.controller()->queue().len() == 0; }, 60s));
  const int writes_before = mirror.writes();
  const int reconciles_before = mirror.reconciles();
  for (const auto& [name, value] : expected) mirror.controller()->enqueue({ns.name(), name});
  REQUIRE(testing::eventually(
      [&] { return mirror.reconciles() >= reconciles_before + static_cast<int>(expected.size()); },
      60s));
  CHECK(mirror.writes() == writes_before);

  running.stop();
  CHECK(running.drained);
  const auto text = metrics->render();
  INFO(text);
  CHECK(text.find("controller_runtime_reconcile_total{controller=\"mirror\",result=\"success\"}") !=
        std::string::npos);
  CHECK(text.find("rest_client_requests_total{code=\"200\",verb=\"PATCH\"}") != std::string::npos);
  CHECK(text.find("verb=\"WATCH\"}") != std::string::npos);
}

TEST_CASE("runtime: restarting kube-apiserver mid-run loses no update", "[runtime]") {
  const char* controlplane = std::getenv("CONTROLPLANE");
  REQUIRE(controlplane != nullptr);
  auto client = testing::clusterClient();
  testing::TestNamespace ns(client, "rt-restart");
  kube::Api config_maps(client, kube::resources::configMaps(), ns.name());
  kube::Api secrets(client, kube::resources::secrets(), ns.name());
  auto metrics = std::make_shared<runtime::Metrics>();
  MirrorController mirror(testing::clusterClient(), ns.name(), options(metrics));

  constexpr int kObjects = 200;
  std::map<std::string, std::string> expected;
  for (int i = 0; i < kObjects; ++i) {
    REQUIRE(config_maps.create(mirroredConfigMap(cmName(i), "0")));
    expected[cmName(i)] = "0";
  }
  Running running(mirror);
  std::string why;
  REQUIRE(testing::eventually([&] { return mirrored(secrets, expected, &why); }, 180s));

  // A writer keeps changing the ConfigMaps, round after round, while the API server goes away
  // and comes back; it stops after a full round that started after the restart, so that changes
  // land both while the controller's watches are down and while they reconnect.
  std::atomic<bool> restarted{false};
  std::atomic<bool> failed{false};
  std::map<std::string, std::string> written;
  std::thread writer([&] {
    bool after_restart = false;
    for (int round = 1; !after_restart; ++round) {
      after_restart = restarted.load();
      for (int i = 0; i < kObjects; ++i) {
        const auto value = std::to_string(round);
        if (!setValue(config_maps, cmName(i), value)) {
          failed = true;
          return;
        }
        written[cmName(i)] = value;
      }
    }
  });
  // Restart while the first round is in flight.
  REQUIRE(testing::eventually([&] { return mirror.writes() > kObjects; }, 60s));
  const std::string command = std::string(controlplane) + " restart-apiserver";
  std::cout << "runtime: " << command << std::endl;
  REQUIRE(std::system(command.c_str()) == 0);
  restarted = true;
  writer.join();
  REQUIRE_FALSE(failed);

  REQUIRE(testing::eventually([&] { return mirrored(secrets, written, &why); }, 180s));
  INFO(why);
  // The watches really did break and recover.
  const auto text = metrics->render();
  CHECK(text.find("watch_restarts_total") != std::string::npos);
  running.stop();
}

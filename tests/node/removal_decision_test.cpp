#include "registry/node/removal_decision.h"

#include <catch2/catch.hpp>

#include "kube/object.h"
#include "support/scripted_client.h"

using namespace registry;
using kube::Json;

namespace {

struct Cluster : ::testing::ScriptedClient {
  RemovalDecision decide() {
    RemovalDecision decision = decideRemovalOnStop(client, "registry-operator-system",
                                                   "reg-node-ca", std::chrono::seconds(5), {});
    REQUIRE(transport->requests().size() == 1);
    CHECK(transport->requests()[0].method == "GET");
    CHECK(transport->requests()[0].target ==
          "/apis/apps/v1/namespaces/registry-operator-system/daemonsets/reg-node-ca");
    return decision;
  }
};

std::string status(int code, const std::string& reason, const std::string& message) {
  return Json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
              {"reason", reason}, {"code", code},       {"message", message}}
      .dump();
}

Json daemonSet() {
  return {{"apiVersion", "apps/v1"},
          {"kind", "DaemonSet"},
          {"metadata", {{"name", "reg-node-ca"}, {"namespace", "registry-operator-system"}}}};
}

}  // namespace

TEST_CASE("on stop, the files go when the DaemonSet is gone") {
  Cluster cluster;
  cluster.transport->reply(404,
                           status(404, "NotFound", "daemonsets.apps \"reg-node-ca\" not found"));
  RemovalDecision decision = cluster.decide();
  CHECK(decision.remove);
  CHECK(decision.reason == "DaemonSet registry-operator-system/reg-node-ca is gone");
}

TEST_CASE("on stop, the files go when the DaemonSet is being deleted") {
  Cluster cluster;
  Json deleting = daemonSet();
  deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  cluster.transport->reply(200, deleting.dump());
  RemovalDecision decision = cluster.decide();
  CHECK(decision.remove);
  CHECK(decision.reason == "DaemonSet registry-operator-system/reg-node-ca is being deleted");
}

TEST_CASE("on stop, the files stay while the DaemonSet exists (a rollout, a drain)") {
  Cluster cluster;
  cluster.transport->reply(200, daemonSet().dump());
  RemovalDecision decision = cluster.decide();
  CHECK_FALSE(decision.remove);
  CHECK_THAT(decision.reason, Catch::Contains("still exists"));
}

TEST_CASE("on stop, a revoked identity means the DaemonSet is going too") {
  // Found on the real node: switching nodeCA off deleted the Role before the pod asked.
  SECTION("forbidden") {
    Cluster cluster;
    cluster.transport->reply(403, status(403, "Forbidden", "no daemonsets for you"));
    RemovalDecision decision = cluster.decide();
    CHECK(decision.remove);
    CHECK_THAT(decision.reason, Catch::StartsWith("node-ca's own identity was revoked"));
  }
  SECTION("unauthorized") {
    Cluster cluster;
    cluster.transport->reply(401, status(401, "Unauthorized", "Unauthorized"));
    CHECK(cluster.decide().remove);
  }
}

TEST_CASE("on stop, the files stay when the API server cannot say") {
  SECTION("a server error") {
    Cluster cluster;
    cluster.transport->reply(500, status(500, "InternalError", "etcd is unhappy"));
    RemovalDecision decision = cluster.decide();
    CHECK_FALSE(decision.remove);
    CHECK_THAT(decision.reason, Catch::StartsWith("cannot tell whether DaemonSet "
                                                  "registry-operator-system/reg-node-ca is gone"));
  }
  SECTION("unreachable") {
    Cluster cluster;  // the script is empty: a transport failure
    CHECK_FALSE(cluster.decide().remove);
  }
  SECTION("a 404 for the resource type, not for the DaemonSet") {
    Cluster cluster;
    cluster.transport->reply(
        404, status(404, "NotFound", "the server could not find the requested resource"));
    CHECK_FALSE(cluster.decide().remove);
  }
}

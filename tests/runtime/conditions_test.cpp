#include <catch2/catch.hpp>

#include "runtime/conditions.h"
#include "runtime/object_key.h"
#include "runtime/owner_reference.h"
#include "runtime/time_format.h"

using namespace std::chrono_literals;
using Json = kube::Json;
using runtime::Condition;

namespace {
const auto kT0 = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
}

TEST_CASE("conditions: a new condition gets the current transition time") {
  Json conditions;  // null: no status yet
  CHECK(runtime::setCondition(conditions, {"Available", "False", "Deploying", "waiting", 1}, kT0));
  REQUIRE(conditions.is_array());
  REQUIRE(conditions.size() == 1);
  CHECK(conditions[0] == Json{{"type", "Available"},
                              {"status", "False"},
                              {"reason", "Deploying"},
                              {"message", "waiting"},
                              {"observedGeneration", 1},
                              {"lastTransitionTime", "2023-11-14T22:13:20Z"}});
}

TEST_CASE("conditions: lastTransitionTime moves only when the status flips") {
  Json conditions;
  REQUIRE(runtime::setCondition(conditions, {"Available", "False", "Deploying", "m", 1}, kT0));

  // Same everything: no change at all.
  CHECK_FALSE(
      runtime::setCondition(conditions, {"Available", "False", "Deploying", "m", 1}, kT0 + 1h));
  // New reason, message and generation but same status: fields change, time stays.
  CHECK(runtime::setCondition(conditions, {"Available", "False", "Scaling", "m2", 2}, kT0 + 2h));
  CHECK(conditions[0]["reason"] == "Scaling");
  CHECK(conditions[0]["observedGeneration"] == 2);
  CHECK(conditions[0]["lastTransitionTime"] == runtime::formatTime(kT0));
  // Status flips: time moves.
  CHECK(runtime::setCondition(conditions, {"Available", "True", "Ready", "ok", 2}, kT0 + 3h));
  CHECK(conditions[0]["lastTransitionTime"] == runtime::formatTime(kT0 + 3h));
  CHECK(runtime::isConditionTrue(conditions, "Available"));
  CHECK_FALSE(runtime::isConditionTrue(conditions, "Degraded"));
}

TEST_CASE("conditions: several types coexist, can be found and removed") {
  Json conditions = Json::array();
  runtime::setCondition(conditions, {"Available", "True", "Ready", "", 1}, kT0);
  runtime::setCondition(conditions, {"Degraded", "False", "AsExpected", "", 1}, kT0);
  runtime::setCondition(conditions, {"Progressing", "False", "Done", "", 1}, kT0);
  CHECK(conditions.size() == 3);
  REQUIRE(runtime::findCondition(conditions, "Degraded"));
  CHECK((*runtime::findCondition(conditions, "Degraded"))["reason"] == "AsExpected");
  CHECK(runtime::findCondition(conditions, "Nope") == nullptr);
  CHECK(runtime::removeCondition(conditions, "Degraded"));
  CHECK_FALSE(runtime::removeCondition(conditions, "Degraded"));
  CHECK(conditions.size() == 2);
  CHECK(runtime::findCondition(Json(), "Available") == nullptr);
}

TEST_CASE("conditions: equality ignores transition times and order") {
  Json a, b;
  runtime::setCondition(a, {"Available", "True", "Ready", "ok", 3}, kT0);
  runtime::setCondition(a, {"Degraded", "False", "AsExpected", "", 3}, kT0);
  runtime::setCondition(b, {"Degraded", "False", "AsExpected", "", 3}, kT0 + 5h);
  runtime::setCondition(b, {"Available", "True", "Ready", "ok", 3}, kT0 + 9h);
  CHECK(runtime::conditionsEqualIgnoringTime(a, b));
  runtime::setCondition(b, {"Available", "True", "Ready", "ok", 4}, kT0);
  CHECK_FALSE(runtime::conditionsEqualIgnoringTime(a, b));  // observedGeneration differs
  CHECK(runtime::conditionsEqualIgnoringTime(Json(), Json::array()));
  CHECK_FALSE(runtime::conditionsEqualIgnoringTime(a, Json()));
}

TEST_CASE("conditions: malformed existing entries do not crash") {
  Json conditions = Json::array({42, "x", {{"type", 7}}, {{"type", "Available"}}});
  CHECK(runtime::setCondition(conditions, {"Available", "True", "Ready", "", 1}, kT0));
  CHECK(runtime::isConditionTrue(conditions, "Available"));
  // The entry had no time: it gets one.
  CHECK((*runtime::findCondition(conditions, "Available"))["lastTransitionTime"] ==
        runtime::formatTime(kT0));
}

TEST_CASE("time format: Kubernetes Time and MicroTime round-trip") {
  const auto t = kT0 + 123456us;
  CHECK(runtime::formatTime(t) == "2023-11-14T22:13:20Z");
  CHECK(runtime::formatMicroTime(t) == "2023-11-14T22:13:20.123456Z");
  CHECK(runtime::parseTime("2023-11-14T22:13:20.123456Z") == t);
  CHECK(runtime::parseTime("2023-11-14T22:13:20Z") == kT0);
  CHECK(runtime::parseTime("2023-11-14T23:13:20+01:00") == kT0);
  CHECK_FALSE(runtime::parseTime(""));
  CHECK_FALSE(runtime::parseTime("2023-11-14"));
  CHECK_FALSE(runtime::parseTime("2023-13-14T22:13:20Z"));
  CHECK_FALSE(runtime::parseTime("2023-11-14T22:13:20.Z"));
  CHECK_FALSE(runtime::parseTime("2023-11-14T22:13:20Zjunk"));
}

TEST_CASE("time format: years a time point cannot hold are refused, not overflowed") {
  // Found by tests/fuzz (registry_json): Go's zero time in an image config overflowed the
  // nanosecond conversion (signed overflow, undefined behaviour).
  CHECK_FALSE(runtime::parseTime("0001-01-01T00:00:00Z"));
  CHECK_FALSE(runtime::parseTime("9999-12-31T23:59:59Z"));
  CHECK_FALSE(runtime::parseTime("1677-09-21T00:12:44Z"));
  CHECK_FALSE(runtime::parseTime("2262-04-11T23:47:16-99:99"));
  CHECK(runtime::parseTime("1970-01-01T00:00:00Z") == std::chrono::system_clock::time_point{});
  CHECK(runtime::parseTime("1969-12-31T23:59:59Z") ==
        std::chrono::system_clock::time_point{} - std::chrono::seconds(1));
  CHECK(runtime::formatTime(*runtime::parseTime("2200-01-01T00:00:00Z")) == "2200-01-01T00:00:00Z");
}

TEST_CASE("owner references: the controller reference is found and built") {
  Json owner = {{"apiVersion", "imageregistry.io/v1alpha1"},
                {"kind", "RegistryConfig"},
                {"metadata", {{"name", "r"}, {"namespace", "ns"}, {"uid", "u1"}}}};
  Json child = {{"metadata",
                 {{"ownerReferences", Json::array({{{"kind", "Other"}, {"uid", "x"}},
                                                   runtime::controllerReference(owner)})}}}};
  auto ref = runtime::controllerOf(child);
  REQUIRE(ref);
  CHECK(ref->kind == "RegistryConfig");
  CHECK(ref->uid == "u1");
  CHECK(ref->block_owner_deletion);
  CHECK(runtime::groupOf(ref->api_version) == "imageregistry.io");
  CHECK(runtime::groupOf("v1") == "");
  CHECK_FALSE(runtime::controllerOf(Json{{"metadata", {{"ownerReferences", "junk"}}}}));
  CHECK_FALSE(runtime::controllerOf(Json()));
}

TEST_CASE("object keys: taken from an object and printed") {
  CHECK(runtime::ObjectKey::of(Json{{"metadata", {{"namespace", "ns"}, {"name", "name"}}}}) ==
        runtime::ObjectKey{"ns", "name"});
  CHECK(runtime::ObjectKey::of(Json{{"metadata", {{"name", "node"}}}}) ==
        runtime::ObjectKey{"", "node"});
  CHECK(runtime::ObjectKey{"ns", "n"}.str() == "ns/n");
  CHECK(runtime::ObjectKey{"", "n"}.str() == "n");
}

#include <catch2/catch.hpp>

#include "registry/render/apply_decision.h"

using kube::Json;
using registry::isSubset;
using registry::needsApply;
using registry::withAppliedHash;

TEST_CASE("subset: server defaults and other managers' fields never count as drift") {
  Json desired = {{"spec", {{"ports", {{{"port", 5000}, {"name", "registry"}}}}}}};
  Json live = {{"spec",
                {{"ports", {{{"port", 5000}, {"name", "registry"}, {"protocol", "TCP"}}}},
                 {"clusterIP", "10.0.0.7"}}},
               {"metadata", {{"annotations", {{"user", "x"}}}}}};
  CHECK(isSubset(desired, live));
}

TEST_CASE("subset: a changed owned field, or a list of another length, is drift") {
  Json desired = {{"spec", {{"ports", {{{"port", 5000}}}}}}};
  CHECK_FALSE(isSubset(desired, Json{{"spec", {{"ports", {{{"port", 5999}}}}}}}));
  CHECK_FALSE(isSubset(desired, Json{{"spec", {{"ports", {{{"port", 5000}}, {{"port", 1}}}}}}}));
  CHECK_FALSE(isSubset(desired, Json{{"spec", {{"ports", "x"}}}}));
  CHECK_FALSE(isSubset(desired, Json::object()));
}

TEST_CASE("subset: empty values match absent fields; numbers compare by value") {
  Json desired = {{"spec", {{"emptyDir", Json::object()}, {"args", Json::array()}, {"n", 1}}}};
  CHECK(isSubset(desired, Json{{"spec", {{"n", 1.0}}}}));
  CHECK_FALSE(isSubset(desired, Json{{"spec", {{"n", 2}}}}));
}

TEST_CASE("applied hash: set on desired, ignored in its own computation, changes with content") {
  Json desired = {{"kind", "Service"}, {"metadata", {{"name", "r"}}}, {"spec", {{"a", 1}}}};
  Json first = withAppliedHash(desired);
  const auto& hash = first["metadata"]["annotations"]["imageregistry.io/applied-hash"];
  REQUIRE(hash.is_string());
  CHECK(withAppliedHash(first) == first);  // idempotent
  desired["spec"]["a"] = 2;
  CHECK(withAppliedHash(desired)["metadata"]["annotations"]["imageregistry.io/applied-hash"] !=
        hash);
}

TEST_CASE("needsApply: missing object, changed desired state, hand edits; not a steady state") {
  Json desired =
      withAppliedHash({{"kind", "Service"},
                       {"metadata", {{"name", "r"}}},
                       {"spec", {{"ports", {{{"port", 5000}}}}, {"nodeSelector", {{"a", "b"}}}}}});
  CHECK(needsApply(desired, nullptr));
  Json live = desired;
  live["metadata"]["resourceVersion"] = "7";
  live["spec"]["clusterIP"] = "10.0.0.9";
  CHECK_FALSE(needsApply(desired, &live));

  Json edited = live;
  edited["spec"]["ports"][0]["port"] = 5999;
  CHECK(needsApply(desired, &edited));

  // The operator stops setting a field: only the hash can tell, since desired ⊆ live still.
  Json smaller = desired;
  smaller["spec"].erase("nodeSelector");
  smaller["metadata"].erase("annotations");
  CHECK(isSubset(smaller, live));
  smaller = withAppliedHash(smaller);
  CHECK(needsApply(smaller, &live));
}

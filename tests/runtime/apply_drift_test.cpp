#include <catch2/catch.hpp>

#include "runtime/apply_drift.h"
#include "runtime/hex.h"
#include "runtime/sha256.h"

using kube::Json;
using runtime::ApplyDrift;
using runtime::isSubset;

namespace {
constexpr const char* kHash = "example.com/applied-hash";
}

TEST_CASE("sha256Hex matches the standard test vectors") {
  CHECK(runtime::sha256Hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(runtime::sha256Hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  CHECK(runtime::toHex(bytes, sizeof bytes) == "000fa5ff");
}

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

TEST_CASE("subset: empty values match absent fields, numbers compare by value") {
  Json desired = {{"spec", {{"emptyDir", Json::object()}, {"args", Json::array()}, {"n", 1}}}};
  CHECK(isSubset(desired, Json{{"spec", {{"n", 1.0}}}}));
  CHECK_FALSE(isSubset(desired, Json{{"spec", {{"n", 2}}}}));
}

TEST_CASE("stamp: sets the hash annotation, ignores it in its own computation, follows content") {
  ApplyDrift drift(kHash);
  Json desired = {{"kind", "Service"}, {"metadata", {{"name", "r"}}}, {"spec", {{"a", 1}}}};
  Json first = drift.stamp(desired);
  const auto& hash = first["metadata"]["annotations"][kHash];
  REQUIRE(hash.is_string());
  CHECK(hash.get<std::string>().size() == 32);
  CHECK(drift.stamp(first) == first);  // idempotent
  desired["spec"]["a"] = 2;
  CHECK(drift.stamp(desired)["metadata"]["annotations"][kHash] != hash);
}

TEST_CASE("needsApply: missing object, changed desired state, hand edits, not a steady state") {
  ApplyDrift drift(kHash);
  Json desired =
      drift.stamp({{"kind", "Service"},
                   {"metadata", {{"name", "r"}}},
                   {"spec", {{"ports", {{{"port", 5000}}}}, {"nodeSelector", {{"a", "b"}}}}}});
  CHECK(drift.needsApply(desired, nullptr));
  Json live = desired;
  live["metadata"]["resourceVersion"] = "7";
  live["spec"]["clusterIP"] = "10.0.0.9";
  CHECK_FALSE(drift.needsApply(desired, &live));

  Json edited = live;
  edited["spec"]["ports"][0]["port"] = 5999;
  CHECK(drift.needsApply(desired, &edited));

  // The operator stops setting a field: only the hash can tell, since desired ⊆ live still.
  Json smaller = desired;
  smaller["spec"].erase("nodeSelector");
  smaller["metadata"].erase("annotations");
  CHECK(isSubset(smaller, live));
  smaller = drift.stamp(smaller);
  CHECK(drift.needsApply(smaller, &live));
}

TEST_CASE(
    "needsApply: a value the server canonicalised is no drift while the object is as "
    "the last apply left it") {
  ApplyDrift drift(kHash);
  Json desired = drift.stamp({{"kind", "PersistentVolumeClaim"},
                              {"metadata", {{"name", "r"}, {"namespace", "a"}}},
                              {"spec", {{"resources", {{"requests", {{"storage", "1024Mi"}}}}}}}});
  Json live = desired;
  live["metadata"]["resourceVersion"] = "12";
  live["spec"]["resources"]["requests"]["storage"] = "1Gi";  // the server's canonical form
  CHECK(drift.needsApply(desired, &live));                   // before any apply: a field differs
  drift.remember(desired, live);
  CHECK_FALSE(drift.needsApply(desired, &live));

  // Anyone else's write moves the resourceVersion: the comparison applies again.
  Json rewritten = live;
  rewritten["metadata"]["resourceVersion"] = "13";
  CHECK(drift.needsApply(desired, &rewritten));
  // So does a change of the desired state.
  Json other = desired;
  other["spec"]["resources"]["requests"]["storage"] = "2Gi";
  CHECK(drift.needsApply(drift.stamp(other), &live));
  // And the memory is per object: another name is not covered.
  Json sibling = desired;
  sibling["metadata"]["name"] = "s";
  Json sibling_live = live;
  sibling_live["metadata"]["name"] = "s";
  CHECK(drift.needsApply(drift.stamp(sibling), &sibling_live));
}

TEST_CASE("forget: what was remembered of deleted objects and of gone owners is dropped") {
  ApplyDrift drift(kHash);
  auto object = [](const std::string& ns, const std::string& name, const std::string& owner) {
    Json o = {{"kind", "Secret"}, {"metadata", {{"namespace", ns}, {"name", name}}}};
    if (!owner.empty()) {
      o["metadata"]["ownerReferences"] = {
          {{"kind", "RegistryConfig"}, {"name", owner}, {"uid", "u"}, {"controller", true}}};
    }
    return o;
  };
  const Json a1 = object("a", "r-config", "r");
  const Json a2 = object("a", "r-private", "r");
  const Json b1 = object("b", "r-config", "r");   // same owner name, another namespace
  const Json a3 = object("ab", "r-config", "r");  // a namespace that begins like "a"
  const Json a4 = object("a", "s-config", "s");   // another owner
  for (const Json* o : {&a1, &a2, &b1, &a3, &a4}) {
    Json stamped = drift.stamp(*o);
    Json applied = stamped;
    applied["metadata"]["resourceVersion"] = "7";
    drift.remember(stamped, applied);
  }
  REQUIRE(drift.size() == 5);
  drift.forget(a2);
  CHECK(drift.size() == 4);
  drift.forgetControlledBy("a", "r");  // keeps b1, a3 and a4
  CHECK(drift.size() == 3);
  drift.forgetControlledBy("ab", "r");
  drift.forgetControlledBy("b", "r");
  drift.forgetControlledBy("a", "s");
  CHECK(drift.size() == 0);
}

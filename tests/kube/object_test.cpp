#include <catch2/catch.hpp>

#include "kube/object.h"
#include "kube/resource.h"

TEST_CASE("metadata readers are null-safe") {
  kube::Object object = {{"metadata", {{"name", "a"}, {"namespace", "n"}, {"generation", 3}}}};
  CHECK(kube::name(object) == "a");
  CHECK(kube::keyOf(object) == "n/a");
  CHECK(kube::generation(object) == 3);
  CHECK(kube::name(kube::Json()) == "");
  CHECK(kube::name(kube::Json{{"metadata", 5}}) == "");
  CHECK(kube::keyOf(kube::Json{{"metadata", {{"name", "node"}}}}) == "node");
}

TEST_CASE("JSON pointer lookups never throw") {
  kube::Json doc = {{"spec", {{"list", {1, 2}}, {"a/b", "slash"}}}};
  CHECK(kube::at(doc, "/spec/list/1") == 2);
  CHECK(kube::at(doc, "/spec/a~1b") == "slash");
  CHECK(kube::at(doc, "/spec/list/9", "fallback") == "fallback");
  CHECK(kube::at(doc, "/spec/list/x").is_null());
  CHECK(kube::at(doc, "/spec/list/1/deeper").is_null());
  CHECK(kube::at(doc, "") == doc);
}

TEST_CASE("labels and annotations are read by their plain key") {
  kube::Json object = {{"metadata",
                        {{"labels", {{"app.kubernetes.io/instance", "r"}, {"n", 5}}},
                         {"annotations", {{"imageregistry.io/config-hash", "abc"}}}}}};
  CHECK(kube::label(object, "app.kubernetes.io/instance") == "r");
  CHECK(kube::annotation(object, "imageregistry.io/config-hash") == "abc");
  CHECK(kube::label(object, "n").empty());  // not a string
  CHECK(kube::label(object, "absent").empty());
  CHECK(kube::annotation(kube::Json{{"metadata", {{"annotations", "x"}}}}, "a").empty());
  CHECK(kube::label(kube::Json("text"), "a").empty());
}

TEST_CASE("a resource is found by apiVersion and kind, and only when both match") {
  auto deployments = kube::resources::forKind("apps/v1", "Deployment");
  REQUIRE(deployments);
  CHECK(*deployments == kube::resources::deployments());
  CHECK(kube::resources::forKind("v1", "Secret") == kube::resources::secrets());
  CHECK(kube::resources::forKind("route.openshift.io/v1", "Route") == kube::resources::routes());
  CHECK_FALSE(kube::resources::forKind("extensions/v1beta1", "Deployment"));
  CHECK_FALSE(kube::resources::forKind("v1", "Widget"));
}

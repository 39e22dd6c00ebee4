#include <catch2/catch.hpp>

#include "kube/object.h"

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

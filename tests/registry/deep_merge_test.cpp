#include <catch2/catch.hpp>

#include "registry/render/deep_merge.h"

using registry::deepMerge;
using Json = kube::Json;

TEST_CASE("maps merge key by key, recursively") {
  Json base = {{"a", {{"x", 1}, {"y", {{"deep", true}, {"keep", "me"}}}}}, {"b", 2}};
  Json overlay = {{"a", {{"y", {{"deep", false}}}, {"z", 3}}}, {"c", "new"}};
  Json expected = {{"a", {{"x", 1}, {"y", {{"deep", false}, {"keep", "me"}}}, {"z", 3}}},
                   {"b", 2},
                   {"c", "new"}};
  CHECK(deepMerge(base, overlay) == expected);
}

TEST_CASE("the overlay's scalars and lists replace the base's") {
  Json base = {{"level", "info"}, {"list", {1, 2, 3}}, {"n", 1}};
  Json overlay = {{"level", "debug"}, {"list", {9}}, {"n", 2.5}};
  CHECK(deepMerge(base, overlay) == overlay);
}

TEST_CASE("a type change in the overlay wins") {
  CHECK(deepMerge(Json{{"a", {{"x", 1}}}}, Json{{"a", "flat"}}) == Json{{"a", "flat"}});
  CHECK(deepMerge(Json{{"a", "flat"}}, Json{{"a", {{"x", 1}}}}) == Json{{"a", {{"x", 1}}}});
  CHECK(deepMerge(Json{{"a", {1, 2}}}, Json{{"a", {{"x", 1}}}}) == Json{{"a", {{"x", 1}}}});
}

TEST_CASE("a null in the overlay deletes the key") {
  Json base = {{"http", {{"addr", ":5000"}, {"headers", {{"X", {"y"}}}}}}};
  Json overlay = {{"http", {{"headers", nullptr}}}, {"absent", nullptr}};
  CHECK(deepMerge(base, overlay) == Json{{"http", {{"addr", ":5000"}}}});
}

TEST_CASE("empty overlays and non-object documents") {
  Json base = {{"a", 1}};
  CHECK(deepMerge(base, Json::object()) == base);
  CHECK(deepMerge(Json::object(), base) == base);
  CHECK(deepMerge(base, Json("text")) == Json("text"));
  CHECK(deepMerge(Json::array({1}), base) == base);
}

TEST_CASE("merging leaves its inputs untouched") {
  const Json base = {{"a", {{"b", 1}}}};
  const Json overlay = {{"a", {{"c", 2}}}};
  Json merged = deepMerge(base, overlay);
  CHECK(base == Json{{"a", {{"b", 1}}}});
  CHECK(overlay == Json{{"a", {{"c", 2}}}});
  CHECK(merged == Json{{"a", {{"b", 1}, {"c", 2}}}});
}

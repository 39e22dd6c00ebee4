#include <catch2/catch.hpp>

#include "kube/watch_event.h"

using kube::WatchEventType;

TEST_CASE("watch lines parse into typed events") {
  auto added = kube::parseWatchEvent(R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})");
  REQUIRE(added);
  CHECK(added->type == WatchEventType::Added);
  CHECK(added->object["metadata"]["name"] == "a");
  auto bookmark =
      kube::parseWatchEvent(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})");
  REQUIRE(bookmark);
  CHECK(bookmark->type == WatchEventType::Bookmark);
  auto error = kube::parseWatchEvent(R"({"type":"ERROR","object":{"kind":"Status","code":410}})");
  REQUIRE(error);
  CHECK(error->type == WatchEventType::Error);
}

TEST_CASE("truncated and malformed watch lines are Decode errors") {
  for (const char* line :
       {R"({"type":"ADDED","object":{"metadata":{"na)", "", "null", "[]",
        R"({"type":5,"object":{}})", R"({"type":"ADDED"})", R"({"type":"ADDED","object":"x"})",
        R"({"type":"SURPRISE","object":{}})"}) {
    auto event = kube::parseWatchEvent(line);
    REQUIRE_FALSE(event);
    CHECK(event.error().kind() == kube::ErrorKind::Decode);
  }
}

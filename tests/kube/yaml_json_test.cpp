#include <catch2/catch.hpp>

#include "kube/yaml_json.h"

TEST_CASE("YAML scalars resolve with the core schema, quoted ones stay strings") {
  auto doc = kube::yamlToJson(
      "a: 1\nb: '1'\nc: true\nd: \"true\"\ne: ~\nf: 1.5\ng: hello\nh: 0x1F\ni: []\nj: {}\n");
  REQUIRE(doc);
  CHECK((*doc)["a"] == 1);
  CHECK((*doc)["b"] == "1");
  CHECK((*doc)["c"] == true);
  CHECK((*doc)["d"] == "true");
  CHECK((*doc)["e"].is_null());
  CHECK((*doc)["f"] == 1.5);
  CHECK((*doc)["g"] == "hello");
  CHECK((*doc)["h"] == 31);
  CHECK((*doc)["i"].is_array());
  CHECK((*doc)["j"].is_object());
}

TEST_CASE("JSON to YAML and back is lossless for tricky strings") {
  kube::Json original = {{"plain", "text"},
                         {"looks_bool", "true"},
                         {"looks_int", "5000"},
                         {"empty", ""},
                         {"colon", "a: b"},
                         {"multi", "line one\nline two\n"},
                         {"star", "*"},
                         {"list", {1, "2", false, nullptr}},
                         {"nested", {{"k", "v"}}},
                         {"empty_map", kube::Json::object()},
                         {"dash", "- item"},
                         {"hash", "x #y"}};
  auto yaml = kube::jsonToYaml(original);
  auto back = kube::yamlToJson(yaml);
  REQUIRE(back);
  CHECK(*back == original);
}

TEST_CASE("multi-document YAML skips empty documents") {
  auto docs = kube::yamlDocumentsToJson("---\na: 1\n---\n---\nb: 2\n");
  REQUIRE(docs);
  REQUIRE(docs->size() == 2);
  CHECK((*docs)[1]["b"] == 2);
}

TEST_CASE("malformed YAML is a Decode error, never an exception") {
  for (const char* text : {"a: [1, 2", "{", "a: b: c", "- a\nb: c", "? [a]\n: b\n", "\t- x"}) {
    auto doc = kube::yamlToJson(text);
    if (!doc) {
      CHECK(doc.error().kind() == kube::ErrorKind::Decode);
    }
  }
  auto bad = kube::yamlToJson("a: [1, 2");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("invalid YAML") == 0);
  auto complex_key = kube::yamlToJson("? [a]\n: b\n");
  CHECK_FALSE(complex_key);
  std::string deep(1000, '[');
  CHECK_FALSE(kube::yamlToJson(deep));
}

TEST_CASE("hostile YAML: long scalars and alias bombs are handled, not crashed on") {
  auto long_number = kube::yamlToJson("a: " + std::string(200000, '7') + "\n");
  REQUIRE(long_number);
  CHECK((*long_number)["a"].is_string());
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  auto exploded = kube::yamlToJson(bomb);
  REQUIRE_FALSE(exploded);
  CHECK_THAT(exploded.error().message(), Catch::Contains("too many nodes"));
}

TEST_CASE("hostile YAML: one long string aliased many times is refused, not expanded") {
  // The shape that took the operator past 10 GB: 500 KB aliased 10,000 times is 5 GB of text
  // from a document of half a megabyte.
  std::string bomb = "a: &big " + std::string(500 * 1024, 'x') + "\nb: [";
  for (int i = 0; i < 10'000; ++i) bomb += i ? ", *big" : "*big";
  bomb += "]\n";
  auto exploded = kube::yamlToJson(bomb);
  REQUIRE_FALSE(exploded);
  CHECK_THAT(exploded.error().message(), Catch::Contains("expands to too much text"));
  // The same budget holds across the documents of a stream.
  auto documents = kube::yamlDocumentsToJson(bomb + "---\n" + bomb);
  CHECK_FALSE(documents);
  // Aliases as people use them are fine: a string repeated a few times.
  auto reused = kube::yamlToJson("a: &v " + std::string(100 * 1024, 'y') + "\nb: *v\nc: *v\n");
  REQUIRE(reused);
  CHECK((*reused)["c"].get<std::string>().size() == 100 * 1024);
}

// Found by tests/fuzz (yaml_json): yaml-cpp 0.7's LoadAll loops forever, allocating, on a stray
// ',' at the top level (jbeder/yaml-cpp#1040).
TEST_CASE("hostile YAML: a document stream that never ends is a Decode error") {
  for (const char* text : {",", ",a", ",a[ ? b]\n: c\n", "a: 1\n---\n,\n"}) {
    INFO(text);
    auto documents = kube::yamlDocumentsToJson(text);
    REQUIRE_FALSE(documents);
    CHECK(documents.error().kind() == kube::ErrorKind::Decode);
  }
  auto many = kube::yamlDocumentsToJson("---\n---\na: 1\n...\n---\nb: 2\n...\nc: 3\n---\n");
  REQUIRE(many);
  CHECK(many->size() == 3);
}

// Found by tests/fuzz (registry_config): bytes that are not UTF-8 came through as JSON strings,
// and every later dump() (ApplyDrift's hash, `render -o json`) threw.
TEST_CASE("YAML that is not UTF-8 is a Decode error") {
  for (const char* text : {"a: \xb8\n", "k\xe9y: b\n", "- [x, \"\xff\"]\n", "a: caf\xc3\n"}) {
    INFO(text);
    auto single = kube::yamlToJson(text);
    REQUIRE_FALSE(single);
    CHECK(single.error().kind() == kube::ErrorKind::Decode);
    CHECK_THAT(single.error().message(), Catch::Contains("UTF-8"));
    CHECK_FALSE(kube::yamlDocumentsToJson(std::string("---\n") + text));
  }
  auto unicode = kube::yamlToJson("caf\xc3\xa9: \"\\u00e9 \\U0001F600\"\n");
  REQUIRE(unicode);
  CHECK((*unicode)["caf\xc3\xa9"] == "\xc3\xa9 \xf0\x9f\x98\x80");
}

// Found by tests/fuzz (yaml_json): jsonToYaml wrote these as literal blocks or plain scalars that
// read back differently (a first line's leading space taken as indentation, extra final newlines
// chomped, a NUL ending the block, carriage returns read as line breaks).
TEST_CASE("JSON to YAML and back is lossless for strings a literal block cannot hold") {
  using namespace std::string_literals;
  kube::Json original = {{"indented", " v\n"},      {"indented_later", "\n  x\n"},
                         {"two_newlines", "a\n\n"}, {"only_newline", "\n"},
                         {"nul", "N?\0\0@\0\n"s},   {"cr", "k0\r\r"},
                         {"tab", "a\tb\n"},         {"c1", "a\xc2\x85z\n"},
                         {"key\nwith break", "v"},  {"still literal", "line one\n  line two\n"}};
  auto yaml = kube::jsonToYaml(original);
  INFO(yaml);
  CHECK_THAT(yaml, Catch::Contains("still literal: |"));
  auto back = kube::yamlToJson(yaml);
  REQUIRE(back);
  CHECK(*back == original);
}

// Found by tests/fuzz (yaml_json): the string "..." written plain at the top level is the
// document end marker, and read back as null.
TEST_CASE("JSON to YAML and back keeps strings that look like a document marker") {
  for (const kube::Json& original : {kube::Json("..."), kube::Json("... more"), kube::Json("---"),
                                     kube::Json::array({"..."}), kube::Json({{"k", "..."}})}) {
    auto yaml = kube::jsonToYaml(original);
    INFO(yaml);
    auto back = kube::yamlToJson(yaml);
    REQUIRE(back);
    CHECK(*back == original);
  }
}

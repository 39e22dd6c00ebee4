#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "kube/yaml_json.h"
#include "registry/api/registry_config.h"

namespace registry::testing {

// The whole file at `path` (empty when it cannot be read; the caller's checks then fail).
inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Parses a YAML CR the test expects to be valid; fails the test with the error otherwise.
inline RegistryConfig parseOk(const std::string& yaml) {
  auto json = kube::yamlToJson(yaml);
  REQUIRE(json.ok());
  auto parsed = parseRegistryConfig(json.value());
  INFO((parsed.ok() ? std::string() : parsed.error().message()));
  REQUIRE(parsed.ok());
  return parsed.value();
}

// Parses a CR the test expects to be refused and returns the error message.
inline std::string parseError(const kube::Json& cr) {
  auto parsed = parseRegistryConfig(cr);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().kind() == kube::ErrorKind::Invalid);
  return parsed.error().message();
}

inline std::string parseError(const std::string& yaml) {
  auto json = kube::yamlToJson(yaml);
  REQUIRE(json.ok());
  return parseError(json.value());
}

// A minimal valid CR (emptyDir storage) with `spec_yaml` lines appended under spec:, each
// indented by two spaces by the caller.
inline std::string crWithSpec(const std::string& spec_yaml) {
  return "apiVersion: imageregistry.io/v1alpha1\n"
         "kind: RegistryConfig\n"
         "metadata:\n"
         "  name: image-registry\n"
         "  namespace: registry\n"
         "  uid: 0b6b9f0e-1111-2222-3333-444455556666\n"
         "  generation: 2\n"
         "spec:\n" +
         spec_yaml;
}

inline const std::string kEmptyDir = "  storage:\n    emptyDir: {}\n";
// The pruner cannot log in to a registry with auth yet (PrunerNeedsCredentials): CRs with auth
// that a test expects to be healthy switch it off.
inline const std::string kNoPruner = "  components: [{kind: pruner, managed: false}]\n";

}  // namespace registry::testing

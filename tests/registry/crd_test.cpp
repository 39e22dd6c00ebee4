#include <fstream>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "fixed_inputs.h"
#include "kube/yaml_json.h"
#include "registry/api/cron_schedule.h"
#include "registry/api/duration.h"
#include "registry/api/htpasswd_user.h"
#include "registry/api/registry_config.h"
#include "registry/render/builders.h"

// Checks that the CRD (what the API server enforces) and parseRegistryConfig (what the operator
// enforces) agree: names, defaults, enums and patterns. The API server itself is exercised by
// the integration tests.

#include "test_support.h"

using namespace registry;
using Json = kube::Json;
using registry::testing::readFile;

namespace {

const Json& crd() {
  static const Json document = [] {
    auto parsed = kube::yamlToJson(
        readFile(std::string(SOURCE_ROOT) + "/crds/registryconfigs.imageregistry.io.yaml"));
    REQUIRE(parsed.ok());
    return parsed.value();
  }();
  return document;
}

const Json& version() { return crd()["spec"]["versions"][0]; }
const Json& specSchema() { return version()["schema"]["openAPIV3Schema"]["properties"]["spec"]; }

// The API server's structural defaulting: a missing property with a default gets it, and
// defaulting continues inside the value (so `tls: {}` picks up mode's default).
void applyDefaults(Json& value, const Json& schema) {
  if (value.is_object() && schema.contains("properties")) {
    for (const auto& [key, property] : schema["properties"].items()) {
      if (!value.contains(key) && property.contains("default")) value[key] = property["default"];
      if (value.contains(key)) applyDefaults(value[key], property);
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (auto& item : value) applyDefaults(item, schema["items"]);
  }
}

// Every node of a structural schema states its type (or is int-or-string / preserved).
void checkStructural(const Json& schema, const std::string& path) {
  INFO(path);
  CHECK((schema.contains("type") || schema.value("x-kubernetes-int-or-string", false)));
  if (schema.contains("properties")) {
    for (const auto& [key, property] : schema["properties"].items()) {
      checkStructural(property, path + "." + key);
      if (key != "metadata") CHECK(property.contains("description"));
    }
  }
  if (schema.contains("items")) checkStructural(schema["items"], path + "[]");
  if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
    checkStructural(schema["additionalProperties"], path + ".*");
  }
}

std::vector<std::string> enumOf(const Json& schema) {
  return schema["enum"].get<std::vector<std::string>>();
}

}  // namespace

TEST_CASE("the CRD names the resource as designed") {
  CHECK(crd()["apiVersion"] == "apiextensions.k8s.io/v1");
  CHECK(crd()["metadata"]["name"] == "registryconfigs.imageregistry.io");
  const Json& spec = crd()["spec"];
  CHECK(spec["group"] == "imageregistry.io");
  CHECK(spec["scope"] == "Namespaced");
  CHECK(spec["names"]["kind"] == "RegistryConfig");
  CHECK(spec["names"]["plural"] == "registryconfigs");
  CHECK(spec["names"]["shortNames"] == Json::array({"regcfg"}));
  REQUIRE(spec["versions"].size() == 1);
  CHECK(version()["name"] == "v1alpha1");
  CHECK(version()["served"] == true);
  CHECK(version()["storage"] == true);
  CHECK(version()["subresources"]["status"] == Json::object());
  std::vector<std::string> columns;
  for (const auto& column : version()["additionalPrinterColumns"])
    columns.push_back(column["name"]);
  CHECK(columns ==
        std::vector<std::string>{"Available", "Replicas", "Internal host", "External host", "Age"});
}

TEST_CASE("the CRD schema is structural and described") {
  checkStructural(version()["schema"]["openAPIV3Schema"], "");
}

TEST_CASE("the CRD's enums are the operator's") {
  const Json& p = specSchema()["properties"];
  CHECK(enumOf(p["managementState"]) ==
        std::vector<std::string>{"Managed", "Unmanaged", "Removed"});
  CHECK(enumOf(p["logLevel"]) == std::vector<std::string>{"Normal", "Debug", "Trace", "TraceAll"});
  CHECK(enumOf(p["rolloutStrategy"]) == std::vector<std::string>{"RollingUpdate", "Recreate"});
  CHECK(enumOf(p["tls"]["properties"]["mode"]) ==
        std::vector<std::string>{"Auto", "Secret", "Disabled"});
  CHECK(enumOf(p["auth"]["properties"]["type"]) ==
        std::vector<std::string>{"None", "Htpasswd", "Kubernetes"});
  std::vector<std::string> kinds;
  for (auto kind : {ComponentKind::Pruner, ComponentKind::NodeCA, ComponentKind::NodeResolver,
                    ComponentKind::Monitoring, ComponentKind::PodDisruptionBudget,
                    ComponentKind::Autoscaling, ComponentKind::Mirror}) {
    kinds.emplace_back(toString(kind));
  }
  CHECK(enumOf(p["components"]["items"]["properties"]["kind"]) == kinds);
}

TEST_CASE("the CRD's patterns are the operator's") {
  const Json& p = specSchema()["properties"];
  CHECK(p["pruning"]["properties"]["keepYoungerThan"]["pattern"] == kDurationPattern);
  CHECK(p["mirrors"]["items"]["properties"]["interval"]["pattern"] == kDurationPattern);
  CHECK(p["pruning"]["properties"]["schedule"]["pattern"] == kCronPattern);
  const Json& auth = p["auth"]["properties"];
  CHECK(auth["initialAdmin"]["pattern"] == kHtpasswdUserPattern);
  CHECK(auth["initialAdmin"]["maxLength"] == kMaxHtpasswdUserLength);
}

TEST_CASE("the CRD's auth fields are the operator's") {
  const Json& auth = specSchema()["properties"]["auth"];
  std::set<std::string> properties;
  for (const auto& [key, value] : auth["properties"].items()) properties.insert(key);
  CHECK(properties == std::set<std::string>{"type", "htpasswdSecret", "usersSecret", "initialAdmin",
                                            "anonymousPull"});
  CHECK(auth["properties"]["initialAdmin"]["default"] == AuthSpec{}.initialAdmin);
  // Htpasswd alone is valid now (the operator generates the first admin); both Secrets together
  // are refused, as the operator's validation does.
  REQUIRE(auth["x-kubernetes-validations"].size() == 3);
  const std::string rule = auth["x-kubernetes-validations"][0]["rule"];
  CHECK(rule.find("htpasswdSecret") != std::string::npos);
  CHECK(rule.find("usersSecret") != std::string::npos);
  CHECK(auth["x-kubernetes-validations"][0]["fieldPath"] == ".usersSecret");
  // The jobs' user is reserved, as the operator's validation says.
  const std::string reserved = auth["x-kubernetes-validations"][1]["rule"];
  CHECK(reserved.find(std::string("'") + kJobsUser + "'") != std::string::npos);
  CHECK(auth["x-kubernetes-validations"][1]["fieldPath"] == ".initialAdmin");
  // anonymousPull only with the token service, as the operator's validation says.
  const std::string anonymous = auth["x-kubernetes-validations"][2]["rule"];
  CHECK(anonymous.find("'Kubernetes'") != std::string::npos);
  CHECK(auth["x-kubernetes-validations"][2]["fieldPath"] == ".anonymousPull");
  CHECK(auth["properties"]["anonymousPull"]["default"] == false);
  CHECK(parseRegistryConfig(
            kube::yamlToJson(registry::testing::crWithSpec("  storage: {emptyDir: {}}\n"
                                                           "  auth: {type: Htpasswd}\n"))
                .value())
            .ok());
  CHECK_FALSE(parseRegistryConfig(kube::yamlToJson(registry::testing::crWithSpec(
                                                       "  storage: {emptyDir: {}}\n"
                                                       "  auth: {type: Htpasswd, htpasswdSecret: "
                                                       "a, usersSecret: b}\n"))
                                      .value())
                  .ok());
}

TEST_CASE("the CRD's defaults are the operator's defaults") {
  // A CR as stored by the API server (defaults applied) and as written by hand must produce the
  // same objects.
  for (const char* spec_yaml : {
           "storage: {emptyDir: {}}",
           "storage: {pvc: {}}\nrolloutStrategy: Recreate",
           "storage: {s3: {bucket: abc, region: r}}\nreplicas: 2",
           "storage: {emptyDir: {}}\ntls: {}\nauth: {}\npruning: {}\n"
           "mirrors: [{name: m, source: a/b}]",
           "storage: {emptyDir: {}}\nauth: {type: Htpasswd}",
       }) {
    INFO(spec_yaml);
    auto spec = kube::yamlToJson(spec_yaml);
    REQUIRE(spec.ok());
    Json raw = {{"apiVersion", "imageregistry.io/v1alpha1"},
                {"kind", "RegistryConfig"},
                {"metadata", {{"name", "r"}, {"namespace", "n"}, {"uid", "u"}}},
                {"spec", spec.value()}};
    Json defaulted = raw;
    applyDefaults(defaulted, version()["schema"]["openAPIV3Schema"]);
    CHECK(defaulted != raw);
    auto a = parseRegistryConfig(raw);
    auto b = parseRegistryConfig(defaulted);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    auto objects_a = desiredObjects(a.value(), registry::testing::kubernetesInputs());
    auto objects_b = desiredObjects(b.value(), registry::testing::kubernetesInputs());
    REQUIRE(objects_a.ok());
    REQUIRE(objects_b.ok());
    CHECK(objects_a.value() == objects_b.value());
    CHECK(a->spec.mirrors.size() == b->spec.mirrors.size());
    if (!a->spec.mirrors.empty()) CHECK(a->spec.mirrors[0].interval == b->spec.mirrors[0].interval);
    CHECK(a->spec.managementState == b->spec.managementState);
  }
}

TEST_CASE("the sample CR is valid") {
  auto sample =
      kube::yamlToJson(readFile(std::string(SOURCE_ROOT) + "/crds/samples/registryconfig.yaml"));
  REQUIRE(sample.ok());
  CHECK(sample.value()["metadata"]["name"] == "image-registry");
  Json cr = sample.value();
  cr["metadata"]["namespace"] = "default";  // what kubectl apply adds
  auto config = parseRegistryConfig(cr);
  INFO((config.ok() ? std::string() : config.error().message()));
  REQUIRE(config.ok());
  CHECK(config->spec.storage.emptyDir() != nullptr);
  CHECK(config->spec.replicas == 1);
}

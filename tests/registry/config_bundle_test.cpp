#include <catch2/catch.hpp>

#include "fixed_inputs.h"
#include "kube/base64.h"
#include "registry/reconcile/gather_inputs.h"
#include "registry/render/config_bundle.h"
#include "registry/render/config_render.h"
#include "runtime/store.h"
#include "support/scripted_transport.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::kubernetesInputs;
using registry::testing::parseOk;
using Json = kube::Json;

namespace {

const char* const kYml = "http:\n  relativeurls: true\n";
const char* const kYaml = "log:\n  level: debug\n";

Json secretWith(const std::map<std::string, std::string>& values) {
  Json data = Json::object();
  for (const auto& [key, value] : values) data[key] = kube::base64Encode(value);
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "bundle"}, {"namespace", "registry"}}},
          {"data", data}};
}

ConfigBundle bundleOk(const Json& secret) {
  auto bundle = configBundleFrom(secret, "bundle");
  INFO((bundle.ok() ? std::string() : bundle.error().message()));
  REQUIRE(bundle.ok());
  return bundle.value();
}

// gatherInputs' bundle part against an informer cache holding `secrets`; a cache miss reaches a
// scripted API server that answers 404.
GatheredInputs gatherWith(std::vector<Json> secrets) {
  auto transport = std::make_shared<::testing::ScriptedTransport>();
  transport->reply(404, R"({"kind":"Status","reason":"NotFound","code":404,"message":"nope"})");
  kube::ClusterConfig cluster;
  cluster.server = "https://api";
  auto client = std::make_shared<kube::Client>(cluster, transport);
  auto store = std::make_shared<runtime::Store>();
  store->replace(std::move(secrets));
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + "  configBundleSecret: bundle\n"));
  ObjectSource source(client, store, nullptr);
  GatheredInputs out;
  auto gathered = gatherConfigBundle(config, source, out);
  INFO((gathered.ok() ? std::string() : gathered.error().describe()));
  REQUIRE(gathered.ok());
  return out;
}

}  // namespace

TEST_CASE("the config bundle is read from config.yml or config.yaml") {
  ConfigBundle yml = bundleOk(secretWith({{"config.yml", kYml}}));
  CHECK(yml.key == "config.yml");
  CHECK(yml.content == kYml);
  CHECK_FALSE(yml.ignoredWarning.has_value());

  ConfigBundle yaml = bundleOk(secretWith({{"config.yaml", kYaml}, {"other", "x"}}));
  CHECK(yaml.key == "config.yaml");
  CHECK(yaml.content == kYaml);
  CHECK_FALSE(yaml.ignoredWarning.has_value());
}

TEST_CASE("with both keys config.yml wins and the warning says config.yaml was ignored") {
  ConfigBundle both = bundleOk(secretWith({{"config.yml", kYml}, {"config.yaml", kYaml}}));
  CHECK(both.key == "config.yml");
  CHECK(both.content == kYml);
  REQUIRE(both.ignoredWarning.has_value());
  CHECK(*both.ignoredWarning ==
        "spec.configBundleSecret: Secret \"bundle\" has both \"config.yml\" and \"config.yaml\"; "
        "\"config.yaml\" is ignored, \"config.yml\" is used");
  // Never the content of either key.
  CHECK_THAT(*both.ignoredWarning, !Catch::Contains("relativeurls") && !Catch::Contains("debug"));
}

TEST_CASE("a bundle Secret with neither key names the Secret and both keys") {
  for (const Json& secret :
       {secretWith({{"config.json", "{}"}}), secretWith({}),
        Json{{"metadata", {{"name", "bundle"}}}}, Json{{"data", {{"config.yml", nullptr}}}}}) {
    auto bundle = configBundleFrom(secret, "bundle");
    REQUIRE_FALSE(bundle.ok());
    CHECK(bundle.error().reason() == "ConfigBundleUnavailable");
    CHECK(bundle.error().message() ==
          "spec.configBundleSecret: Secret \"bundle\" has neither key \"config.yml\" nor "
          "\"config.yaml\"");
  }
}

TEST_CASE("a bundle key that is not base64 is reported, not skipped for the other key") {
  Json secret = secretWith({{"config.yaml", kYaml}});
  secret["data"]["config.yml"] = "***";
  auto bundle = configBundleFrom(secret, "bundle");
  REQUIRE_FALSE(bundle.ok());
  CHECK(bundle.error().message() ==
        "spec.configBundleSecret: Secret \"bundle\" key \"config.yml\" is not valid base64 data");
  secret["data"]["config.yml"] = 5;
  CHECK_FALSE(configBundleFrom(secret, "bundle").ok());
}

TEST_CASE("gatherConfigBundle takes config.yaml and warns when config.yml shadows it") {
  GatheredInputs yaml = gatherWith({secretWith({{"config.yaml", kYaml}})});
  CHECK(yaml.problems.empty());
  CHECK(yaml.warnings.empty());
  CHECK(yaml.inputs.configBundle == std::optional<std::string>(kYaml));
  CHECK(yaml.inputs.configBundleKey == "config.yaml");

  GatheredInputs both = gatherWith({secretWith({{"config.yml", kYml}, {"config.yaml", kYaml}})});
  CHECK(both.problems.empty());
  CHECK(both.inputs.configBundle == std::optional<std::string>(kYml));
  REQUIRE(both.warnings.size() == 1);
  CHECK(both.warnings[0].reason == "ConfigBundleKeyIgnored");
  CHECK_THAT(both.warnings[0].message, Catch::Contains("\"config.yaml\" is ignored"));
}

TEST_CASE("gatherConfigBundle: a bundle Secret without either key or missing makes a Problem") {
  GatheredInputs neither = gatherWith({secretWith({{"config.json", "{}"}})});
  CHECK_FALSE(neither.inputs.configBundle.has_value());
  REQUIRE(neither.problems.size() == 1);
  CHECK(neither.problems[0].reason == "ConfigBundleUnavailable");
  CHECK(neither.problems[0].message ==
        "spec.configBundleSecret: Secret \"bundle\" has neither key \"config.yml\" nor "
        "\"config.yaml\"");

  GatheredInputs missing = gatherWith({});
  CHECK_FALSE(missing.inputs.configBundle.has_value());
  REQUIRE(missing.problems.size() == 1);
  CHECK(missing.problems[0].reason == "ConfigBundleUnavailable");
  CHECK(missing.problems[0].message ==
        "spec.configBundleSecret: Secret \"bundle\" not found in namespace registry");
}

TEST_CASE("a malformed bundle from config.yaml is reported under that key") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Inputs inputs = kubernetesInputs();
  inputs.configBundle = "- a list\n";
  inputs.configBundleKey = "config.yaml";
  auto rendered = renderConfig(config, inputs);
  REQUIRE_FALSE(rendered.ok());
  CHECK_THAT(rendered.error().message(),
             Catch::StartsWith("spec.configBundleSecret: config.yaml must be a YAML mapping"));
  inputs.configBundleKey.clear();
  auto default_key = renderConfig(config, inputs);
  REQUIRE_FALSE(default_key.ok());
  CHECK_THAT(default_key.error().message(),
             Catch::StartsWith("spec.configBundleSecret: config.yml must be"));
}

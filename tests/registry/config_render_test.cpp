#include <catch2/catch.hpp>

#include "kube/yaml_json.h"
#include "registry/render/config_render.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::parseOk;
using Json = kube::Json;

namespace {

Inputs fixedInputs() {
  Inputs inputs;
  inputs.httpSecret = "generated-secret";
  return inputs;
}

}  // namespace

TEST_CASE("the base config of a minimal CR") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Json rendered = renderBaseConfig(config, fixedInputs());
  CHECK(rendered["version"] == "0.1");
  CHECK(rendered["log"]["level"] == "info");
  CHECK(rendered["storage"]["filesystem"]["rootdirectory"] == "/var/lib/registry");
  CHECK(rendered["storage"]["delete"]["enabled"] == true);
  CHECK(rendered["storage"]["maintenance"]["readonly"]["enabled"] == false);
  CHECK(rendered["storage"]["redirect"]["disable"] == false);
  CHECK(rendered["http"]["addr"] == ":5000");
  CHECK(rendered["http"]["secret"] == "generated-secret");
  CHECK(rendered["http"]["headers"]["X-Content-Type-Options"] == Json::array({"nosniff"}));
  // tls mode defaults to Auto.
  CHECK(rendered["http"]["tls"]["certificate"] == "/etc/registry-tls/tls.crt");
  CHECK(rendered["http"]["tls"]["key"] == "/etc/registry-tls/tls.key");
  CHECK_FALSE(rendered["http"].contains("debug"));
  CHECK(rendered["health"]["storagedriver"]["enabled"] == true);
  CHECK_FALSE(rendered.contains("auth"));
}

TEST_CASE("spec settings reach the config") {
  RegistryConfig config = parseOk(crWithSpec(R"(  logLevel: TraceAll
  readOnly: true
  disableRedirect: true
  httpSecret: from-spec
  tls: {mode: Disabled}
  storage:
    s3: {bucket: images, region: eu-west-1, regionEndpoint: "http://minio:9000", encrypt: true, virtualHostedStyle: true, credentialsSecret: creds}
)"));
  Json rendered = renderBaseConfig(config, fixedInputs());
  CHECK(rendered["log"]["level"] == "debug");
  CHECK(rendered["storage"]["maintenance"]["readonly"]["enabled"] == true);
  CHECK(rendered["storage"]["redirect"]["disable"] == true);
  CHECK(rendered["http"]["secret"] == "from-spec");
  CHECK_FALSE(rendered["http"].contains("tls"));
  CHECK_FALSE(rendered["storage"].contains("filesystem"));
  Json s3 = rendered["storage"]["s3"];
  CHECK(s3 == Json{{"bucket", "images"},
                   {"region", "eu-west-1"},
                   {"regionendpoint", "http://minio:9000"},
                   {"encrypt", true},
                   {"virtualhostedstyle", true}});
  // Credentials travel by environment, never in the config.
  CHECK(rendered.dump().find("creds") == std::string::npos);
}

TEST_CASE("auth renders htpasswd or token settings and the debug listener for probes") {
  RegistryConfig htpasswd =
      parseOk(crWithSpec(kEmptyDir + "  auth: {type: Htpasswd, htpasswdSecret: users}\n"));
  Json rendered = renderBaseConfig(htpasswd, fixedInputs());
  CHECK(rendered["auth"] ==
        Json{{"htpasswd", {{"realm", "registry"}, {"path", "/etc/registry/htpasswd"}}}});
  CHECK(rendered["http"]["debug"]["addr"] == ":5001");

  RegistryConfig tokens = parseOk(crWithSpec(kEmptyDir + "  auth: {type: Kubernetes}\n"));
  Inputs inputs = fixedInputs();
  Json token = renderBaseConfig(tokens, inputs)["auth"]["token"];
  // The token service's port of Service N, beside the registry's.
  CHECK(token["realm"] == "https://image-registry.registry.svc:5002/auth/token");
  CHECK(token["service"] == "image-registry.registry.svc:5000");
  CHECK(token["issuer"] == "registry-operator");
  CHECK(token["rootcertbundle"] == "/etc/registry/token-ca.crt");

  RegistryConfig exposed =
      parseOk(crWithSpec(kEmptyDir + "  auth: {type: Kubernetes}\n  defaultRoute: true\n"));
  inputs.platform.ingressDomain = "apps.example.com";
  CHECK(renderBaseConfig(exposed, inputs)["auth"]["token"]["realm"] ==
        "https://image-registry-default-route-registry.apps.example.com/auth/token");

  RegistryConfig plain =
      parseOk(crWithSpec(kEmptyDir + "  auth: {type: Kubernetes}\n  tls: {mode: Disabled}\n"));
  CHECK(renderBaseConfig(plain, fixedInputs())["auth"]["token"]["realm"] ==
        "http://image-registry.registry.svc:5002/auth/token");
}

TEST_CASE("monitoring turns on the prometheus endpoint") {
  RegistryConfig config =
      parseOk(crWithSpec(kEmptyDir + "  components:\n    - {kind: monitoring, managed: true}\n"));
  Json debug = renderBaseConfig(config, fixedInputs())["http"]["debug"];
  CHECK(debug ==
        Json{{"addr", ":5001"}, {"prometheus", {{"enabled", true}, {"path", "/metrics"}}}});
}

TEST_CASE("the user's bundle is merged over the rendered config") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Inputs inputs = fixedInputs();
  inputs.configBundle = R"(
log:
  level: debug
  formatter: json
http:
  headers:
    Access-Control-Allow-Origin: ["*"]
storage:
  maintenance:
    uploadpurging: {enabled: false}
notifications:
  endpoints:
    - name: hook
      url: https://hook.example.com/events
)";
  auto rendered = renderConfig(config, inputs);
  REQUIRE(rendered.ok());
  const Json& c = rendered.value();
  CHECK(c["log"]["level"] == "debug");
  CHECK(c["log"]["formatter"] == "json");
  CHECK(c["log"]["fields"]["service"] == "registry");
  CHECK(c["http"]["headers"]["X-Content-Type-Options"] == Json::array({"nosniff"}));
  CHECK(c["http"]["headers"]["Access-Control-Allow-Origin"] == Json::array({"*"}));
  CHECK(c["http"]["addr"] == ":5000");
  CHECK(c["storage"]["maintenance"]["uploadpurging"]["enabled"] == false);
  CHECK(c["storage"]["maintenance"]["readonly"]["enabled"] == false);
  CHECK(c["notifications"]["endpoints"][0]["name"] == "hook");
}

TEST_CASE("a bundle merges as a JSON merge patch: lists and scalars replace, null deletes") {
  const Json base = {{"log", {{"level", "info"}, {"fields", {{"service", "registry"}}}}},
                     {"http", {{"addr", ":5000"}, {"headers", {{"X", {"y"}}}}}},
                     {"list", {1, 2, 3}}};
  auto merged = mergeConfigBundle(base, R"(
log: {level: debug}
http: {headers: null}
list: [9]
absent: null
added: {kept: 1, dropped: null}
)");
  REQUIRE(merged.ok());
  CHECK(merged.value() ==
        Json{{"log", {{"level", "debug"}, {"fields", {{"service", "registry"}}}}},
             {"http", {{"addr", ":5000"}}},
             {"list", {9}},
             // A null inside a subtree the base lacks deletes too: it never reaches the registry.
             {"added", {{"kept", 1}}}});
  // A type change wins either way.
  auto flattened = mergeConfigBundle(base, "log: plain\nlist: {a: 1}\n");
  REQUIRE(flattened.ok());
  CHECK(flattened.value()["log"] == "plain");
  CHECK(flattened.value()["list"] == Json{{"a", 1}});
}

TEST_CASE("a bundle that names a storage driver replaces the rendered one") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Inputs inputs = fixedInputs();
  inputs.configBundle = "storage:\n  inmemory: {}\n";
  auto rendered = renderConfig(config, inputs);
  REQUIRE(rendered.ok());
  CHECK_FALSE(rendered.value()["storage"].contains("filesystem"));
  CHECK(rendered.value()["storage"].contains("inmemory"));
  CHECK(rendered.value()["storage"]["delete"]["enabled"] == true);
}

TEST_CASE("an empty bundle changes nothing") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Inputs inputs = fixedInputs();
  Json base = renderBaseConfig(config, inputs);
  for (const char* empty : {"", "\n", "# only a comment\n", "---\n"}) {
    inputs.configBundle = empty;
    auto rendered = renderConfig(config, inputs);
    REQUIRE(rendered.ok());
    CHECK(rendered.value() == base);
  }
}

TEST_CASE("a malformed bundle is an Invalid error naming spec.configBundleSecret") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Inputs inputs = fixedInputs();
  for (const char* bad : {"log: [unclosed", "a: b: c", "{", "- just\n- a list\n", "plain text",
                          "\t- tab\n  indented: wrong", "42"}) {
    INFO(bad);
    inputs.configBundle = bad;
    kube::Result<Json> rendered = Json();
    REQUIRE_NOTHROW(rendered = renderConfig(config, inputs));
    REQUIRE_FALSE(rendered.ok());
    CHECK(rendered.error().kind() == kube::ErrorKind::Invalid);
    CHECK(rendered.error().message().rfind("spec.configBundleSecret: config.yml", 0) == 0);
  }
}

TEST_CASE("the rendered config survives a YAML round trip") {
  RegistryConfig config =
      parseOk(crWithSpec(kEmptyDir + "  auth: {type: Htpasswd, htpasswdSecret: h}\n"));
  Json rendered = renderBaseConfig(config, fixedInputs());
  auto back = kube::yamlToJson(kube::jsonToYaml(rendered));
  REQUIRE(back.ok());
  CHECK(back.value() == rendered);
}

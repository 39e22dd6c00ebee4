#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include <catch2/catch.hpp>

#include "fixed_inputs.h"
#include "kube/yaml_json.h"
#include "registry/api/registry_config.h"
#include "registry/render/builders.h"
#include "registry/render/config_render.h"

// Golden files: the objects desiredObjects returns for the CRs in testdata/*.cr.yaml, as
// multi-document YAML in testdata/*.golden.yaml, and the registry's config.yml (which those
// objects carry base64-encoded) in testdata/*.config.golden.yml, so that it can be read. Review a
// golden diff like code. Regenerate with UPDATE_GOLDEN=1 after an intended change.

#include "test_support.h"

using namespace registry;
using registry::testing::kubernetesInputs;
using registry::testing::openshiftInputs;
using registry::testing::readFile;

namespace {

std::string renderObjects(const std::vector<kube::Json>& objects) {
  std::string text;
  for (const auto& object : objects) {
    if (!text.empty()) text += "---\n";
    text += kube::jsonToYaml(object);
  }
  return text;
}

// "line N: expected ... / actual ..." for the first line that differs.
std::string firstDifference(const std::string& expected, const std::string& actual) {
  std::istringstream e(expected);
  std::istringstream a(actual);
  std::string le;
  std::string la;
  for (int line = 1;; ++line) {
    bool more_e = static_cast<bool>(std::getline(e, le));
    bool more_a = static_cast<bool>(std::getline(a, la));
    if (!more_e && !more_a) return "identical";
    if (!more_e || !more_a || le != la) {
      return "line " + std::to_string(line) + ":\n  golden: " + (more_e ? le : "<end>") +
             "\n  actual: " + (more_a ? la : "<end>");
    }
  }
}

struct GoldenCase {
  const char* name;
  std::function<Inputs()> inputs;
};

const std::vector<GoldenCase>& goldenCases() {
  static const std::vector<GoldenCase> cases = {
      {"emptydir-kubernetes", [] { return kubernetesInputs(); }},
      {"pvc-routes-kubernetes",
       [] {
         Inputs inputs = kubernetesInputs();
         inputs.platform.ingressClass = "nginx";
         inputs.platform.runAs = {RunAs::Source::Explicit, 1000, std::nullopt};
         // The user's entries, then the jobs' own (the pruner logs in as it).
         inputs.htpasswd =
             "alice:$2y$05$0123456789012345678901uFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE\n" +
             registry::testing::kFixedJobsUser.htpasswd;
         inputs.jobsUser = registry::testing::kFixedJobsUser;
         inputs.configBundle =
             "notifications:\n"
             "  endpoints:\n"
             "    - name: audit\n"
             "      url: https://audit.example.com/events\n"
             "      timeout: 1s\n"
             "http:\n"
             "  relativeurls: true\n";
         return inputs;
       }},
      {"s3-openshift",
       [] {
         Inputs inputs = openshiftInputs();
         inputs.tokenSigning =
             CaMaterial{"-----BEGIN CERTIFICATE-----\nFAKE-TOKEN-CA\n-----END CERTIFICATE-----\n",
                        "-----BEGIN PRIVATE KEY-----\nFAKE-TOKEN-KEY\n-----END PRIVATE KEY-----\n",
                        "", "", ""};
         inputs.storageCredentials = R"({"REGISTRY_STORAGE_S3_ACCESSKEY":"a"})";
         return inputs;
       }},
      {"htpasswd-admin-kubernetes",
       [] {
         Inputs inputs = kubernetesInputs();
         const std::string entry =
             "root:$2b$10$FIXEDFIXEDFIXEDFIXEDFIxAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
         inputs.initialAdmin = GeneratedUser{"root", "FixedAdminPassword0123456789abcd", entry};
         inputs.htpasswd = entry + registry::testing::kFixedJobsUser.htpasswd;
         inputs.jobsUser = registry::testing::kFixedJobsUser;
         return inputs;
       }},
      {"htpasswd-users-kubernetes",
       [] {
         Inputs inputs = kubernetesInputs();
         inputs.htpasswd =
             "alice:$2b$10$FIXEDFIXEDFIXEDFIXEDFIxAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
             "bob:$2b$10$FIXEDFIXEDFIXEDFIXEDFIxBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n";
         return inputs;
       }},
      {"token-kubernetes",
       [] {
         Inputs inputs = kubernetesInputs();
         inputs.platform.ingressDomain = "apps.example.com";
         inputs.tokenSigning = CaMaterial{
             "-----BEGIN CERTIFICATE-----\nFAKE-TOKEN-SIGNING-CERT\n-----END CERTIFICATE-----\n",
             "-----BEGIN PRIVATE KEY-----\nFAKE-TOKEN-SIGNING-KEY\n-----END PRIVATE KEY-----\n", "",
             "", ""};
         return inputs;
       }},
      {"recreate-notls-offline",
       [] {
         Inputs inputs = kubernetesInputs();
         inputs.tls.reset();
         return inputs;
       }},
  };
  return cases;
}

bool updateGolden() {
  const char* value = std::getenv("UPDATE_GOLDEN");
  return value != nullptr && std::string(value) == "1";
}

// Compares `actual` with the golden file, or rewrites the file under UPDATE_GOLDEN=1.
void checkGolden(const std::string& golden_path, const std::string& actual) {
  if (updateGolden()) {
    std::ofstream(golden_path, std::ios::binary) << actual;
    WARN("updated " << golden_path);
    return;
  }
  const std::string expected = readFile(golden_path);
  INFO("golden file " << golden_path << " (UPDATE_GOLDEN=1 regenerates it)");
  INFO(firstDifference(expected, actual));
  CHECK(expected == actual);
}

}  // namespace

TEST_CASE("desiredObjects matches the golden files") {
  for (const GoldenCase& golden : goldenCases()) {
    const std::string base = std::string(TESTDATA_DIR) + "/" + golden.name;
    INFO(golden.name);
    std::string cr_text = readFile(base + ".cr.yaml");
    REQUIRE_FALSE(cr_text.empty());
    auto cr = kube::yamlToJson(cr_text);
    REQUIRE(cr.ok());
    auto config = parseRegistryConfig(cr.value());
    INFO((config.ok() ? std::string() : config.error().message()));
    REQUIRE(config.ok());
    auto objects = desiredObjects(config.value(), golden.inputs());
    INFO((objects.ok() ? std::string() : objects.error().message()));
    REQUIRE(objects.ok());
    checkGolden(base + ".golden.yaml", renderObjects(objects.value()));

    auto rendered = renderConfig(config.value(), golden.inputs());
    REQUIRE(rendered.ok());
    checkGolden(base + ".config.golden.yml", kube::jsonToYaml(rendered.value()));
  }
}

TEST_CASE("golden output is deterministic") {
  for (const GoldenCase& golden : goldenCases()) {
    INFO(golden.name);
    auto cr =
        kube::yamlToJson(readFile(std::string(TESTDATA_DIR) + "/" + golden.name + ".cr.yaml"));
    REQUIRE(cr.ok());
    auto config = parseRegistryConfig(cr.value());
    REQUIRE(config.ok());
    auto first = desiredObjects(config.value(), golden.inputs());
    auto second = desiredObjects(config.value(), golden.inputs());
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(renderObjects(first.value()) == renderObjects(second.value()));
  }
}

#include <catch2/catch.hpp>

#include "fixed_inputs.h"
#include "registry/render/builders.h"
#include "registry/render/security_context.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::kubernetesInputs;
using registry::testing::openshiftInputs;
using registry::testing::parseOk;
using Json = kube::Json;

namespace {

PlatformOptions on(Platform platform, RunAs run_as = {}) {
  PlatformOptions options;
  options.platform = platform;
  options.runAs = run_as;
  return options;
}

RunAs parsedRunAs(const std::string& user, const std::string& group) {
  auto parsed = parseRunAs(user, group);
  INFO((parsed.ok() ? std::string() : parsed.error().message()));
  REQUIRE(parsed.ok());
  return parsed.value();
}

std::string runAsError(const std::string& user, const std::string& group) {
  auto parsed = parseRunAs(user, group);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().kind() == kube::ErrorKind::Config);
  return parsed.error().message();
}

}  // namespace

TEST_CASE("pods run as 1001 on Kubernetes and as the platform chooses on OpenShift") {
  CHECK(podIdentity(on(Platform::Kubernetes)) == PodIdentity{1001, 1001});
  CHECK_FALSE(podIdentity(on(Platform::OpenShift)).has_value());

  Json kubernetes = restrictedPodSecurityContext(on(Platform::Kubernetes));
  CHECK(kubernetes == Json{{"runAsNonRoot", true},
                           {"runAsUser", 1001},
                           {"runAsGroup", 1001},
                           {"fsGroup", 1001},
                           {"seccompProfile", {{"type", "RuntimeDefault"}}}});
  Json openshift = restrictedPodSecurityContext(on(Platform::OpenShift));
  CHECK(openshift ==
        Json{{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}});
}

TEST_CASE("an explicit UID overrides the default on either platform") {
  const RunAs explicit_user{RunAs::Source::Explicit, 4000, std::nullopt};
  CHECK(podIdentity(on(Platform::Kubernetes, explicit_user)) == PodIdentity{4000, 4000});
  CHECK(podIdentity(on(Platform::OpenShift, explicit_user)) == PodIdentity{4000, 4000});
  const RunAs with_group{RunAs::Source::Explicit, 4000, 0};
  CHECK(podIdentity(on(Platform::Kubernetes, with_group)) == PodIdentity{4000, 0});
  Json context = restrictedPodSecurityContext(on(Platform::Kubernetes, with_group));
  CHECK(context["runAsUser"] == 4000);
  CHECK(context["runAsGroup"] == 0);
  CHECK(context["fsGroup"] == 0);

  const RunAs platform_chooses{RunAs::Source::Platform, 0, std::nullopt};
  CHECK_FALSE(podIdentity(on(Platform::Kubernetes, platform_chooses)).has_value());
  CHECK_FALSE(podIdentity(on(Platform::OpenShift, platform_chooses)).has_value());
  CHECK_FALSE(restrictedPodSecurityContext(on(Platform::Kubernetes, platform_chooses))
                  .contains("runAsUser"));
}

TEST_CASE("parseRunAs reads --run-as-user and --run-as-group") {
  CHECK(parsedRunAs("", "").source == RunAs::Source::Default);
  CHECK(parsedRunAs("auto", "").source == RunAs::Source::Platform);
  CHECK(parsedRunAs("platform", "").source == RunAs::Source::Platform);
  RunAs user = parsedRunAs("1000", "");
  CHECK(user.source == RunAs::Source::Explicit);
  CHECK(user.user == 1000);
  CHECK_FALSE(user.group.has_value());
  RunAs both = parsedRunAs("2147483647", "0");
  CHECK(both.user == 2147483647);
  CHECK(both.group == std::optional<std::int64_t>(0));
}

TEST_CASE("parseRunAs refuses what the restricted profile or the API would") {
  CHECK_THAT(runAsError("0", ""), Catch::Contains("--run-as-user must be a numeric ID from 1"));
  CHECK_THAT(runAsError("-5", ""), Catch::Contains("got \"-5\""));
  CHECK_THAT(runAsError("2147483648", ""), Catch::Contains("--run-as-user"));
  CHECK_THAT(runAsError("10x", ""), Catch::Contains("--run-as-user"));
  CHECK_THAT(runAsError(" 10", ""), Catch::Contains("--run-as-user"));
  CHECK_THAT(runAsError("root", ""), Catch::Contains("or auto"));
  CHECK_THAT(runAsError("1000", "-1"), Catch::Contains("--run-as-group must be a numeric ID"));
  CHECK_THAT(runAsError("1000", "staff"), Catch::Contains("--run-as-group"));
  CHECK_THAT(runAsError("", "1000"), Catch::Contains("--run-as-group needs a numeric"));
  CHECK_THAT(runAsError("auto", "1000"), Catch::Contains("--run-as-group needs a numeric"));
}

TEST_CASE("the pruner pod runs as the registry pod does") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  for (Inputs inputs : {kubernetesInputs(), openshiftInputs()}) {
    for (RunAs run_as : {RunAs{}, RunAs{RunAs::Source::Explicit, 7, 8},
                         RunAs{RunAs::Source::Platform, 0, std::nullopt}}) {
      inputs.platform.runAs = run_as;
      auto cron_job = buildPrunerCronJob(config, inputs);
      REQUIRE(cron_job);
      Json deployment = buildDeployment(config, inputs, "hash");
      CHECK((*cron_job)["spec"]["jobTemplate"]["spec"]["template"]["spec"]["securityContext"] ==
            deployment["spec"]["template"]["spec"]["securityContext"]);
      CHECK(deployment["spec"]["template"]["spec"]["securityContext"] ==
            restrictedPodSecurityContext(inputs.platform));
    }
  }
}

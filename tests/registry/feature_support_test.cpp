#include <catch2/catch.hpp>

#include "fixed_inputs.h"
#include "registry/render/builders.h"
#include "registry/render/feature_support.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::parseOk;

namespace {

std::vector<std::string> reasonsOf(const std::string& spec_yaml) {
  std::vector<std::string> reasons;
  for (const auto& problem : unsupportedFeatures(parseOk(crWithSpec(spec_yaml)))) {
    reasons.push_back(problem.reason);
  }
  return reasons;
}

}  // namespace

TEST_CASE("feature support: the defaults ask for nothing unsupported") {
  CHECK(unsupportedFeatures(parseOk(crWithSpec(kEmptyDir))).empty());
}

TEST_CASE("feature support: each accepted but unimplemented setting is reported, not ignored") {
  CHECK(reasonsOf(kEmptyDir + "  components: [{kind: monitoring, managed: true}]\n") ==
        std::vector<std::string>{"ComponentNotSupported"});
  CHECK(reasonsOf(kEmptyDir + R"(  auth: {type: Kubernetes}
  mirrors: [{name: busybox, source: docker.io/library/busybox}]
  components: [{kind: pruner, managed: false}]
)") == std::vector<std::string>{"MirrorsNeedCredentials"});
  CHECK(reasonsOf(kEmptyDir + "  pruning: {garbageCollect: true}\n") ==
        std::vector<std::string>{"GarbageCollectNotSupported"});
  CHECK(reasonsOf(kEmptyDir + "  auth: {type: Kubernetes}\n") ==
        std::vector<std::string>{"PrunerNeedsCredentials"});
}

TEST_CASE("feature support: mirrors of a registry without auth are carried out") {
  CHECK(reasonsOf(kEmptyDir + "  mirrors: [{name: busybox, source: docker.io/library/busybox}]\n")
            .empty());
}

TEST_CASE("feature support: with auth Htpasswd the jobs log in as their own user") {
  for (const char* auth :
       {"  auth: {type: Htpasswd}\n", "  auth: {type: Htpasswd, usersSecret: u}\n",
        "  auth: {type: Htpasswd, htpasswdSecret: h}\n"}) {
    INFO(auth);
    const std::string spec = kEmptyDir + auth;
    CHECK(reasonsOf(spec + "  mirrors: [{name: busybox, source: docker.io/library/busybox}]\n")
              .empty());
    CHECK(jobsNeedCredentials(parseOk(crWithSpec(spec))));
    // Without a CronJob there is no user to make.
    CHECK_FALSE(jobsNeedCredentials(
        parseOk(crWithSpec(spec + "  components: [{kind: pruner, managed: false}]\n"))));
  }
  CHECK_FALSE(jobsNeedCredentials(parseOk(crWithSpec(kEmptyDir))));
}

TEST_CASE("feature support: switching the component off withdraws the request") {
  CHECK(reasonsOf(kEmptyDir + R"(  auth: {type: Kubernetes}
  mirrors: [{name: busybox, source: docker.io/library/busybox}]
  components: [{kind: mirror, managed: false}, {kind: pruner, managed: false}]
)")
            .empty());
  CHECK(reasonsOf(kEmptyDir + R"(  auth: {type: Kubernetes}
  pruning: {garbageCollect: true}
  components: [{kind: pruner, managed: false}]
)")
            .empty());
}

TEST_CASE("feature support: a registry the pruner cannot log in to gets no pruner CronJob") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + "  auth: {type: Kubernetes}\n"));
  CHECK_FALSE(buildPrunerCronJob(config, registry::testing::kubernetesInputs()).has_value());
}

TEST_CASE("feature support: the messages say what to change") {
  auto problems = unsupportedFeatures(parseOk(
      crWithSpec(kEmptyDir + "  auth: {type: Kubernetes}\n  pruning: {garbageCollect: true}\n")));
  REQUIRE(problems.size() == 2);
  CHECK_THAT(problems[0].message,
             Catch::Contains("spec.pruning.garbageCollect") && Catch::Contains("set it to false"));
  CHECK_THAT(problems[1].message,
             Catch::Contains("auth.type Kubernetes") && Catch::Contains("managed: false"));
}

TEST_CASE("feature support: a mirror read over plain HTTP is said out loud, not refused") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + R"(  mirrors:
    - {name: lab, source: "10.0.0.5:5000/team/app", insecure: true}
    - {name: hub, source: docker.io/library/busybox}
)"));
  CHECK(unsupportedFeatures(config).empty());
  auto risky = riskySettings(config);
  REQUIRE(risky.size() == 1);
  CHECK(risky[0].reason == "MirrorInsecure");
  CHECK(risky[0].message ==
        "spec.mirrors[0]: 10.0.0.5:5000/team/app is read over plain HTTP: its images reach this "
        "registry unauthenticated and unencrypted");
}

#include <catch2/catch.hpp>

#include "registry/render/registry_status.h"
#include "runtime/conditions.h"

using kube::Json;
using registry::computeStatus;
using registry::StatusObservation;

namespace {
const auto kT0 = std::chrono::system_clock::from_time_t(1'800'000'000);
const auto kT1 = kT0 + std::chrono::minutes(5);

Json deployment(int replicas, int ready, int updated, bool available, long long generation = 2,
                long long observed = 2) {
  Json d;
  d["metadata"]["generation"] = generation;
  d["spec"]["replicas"] = replicas;
  d["status"]["observedGeneration"] = observed;
  d["status"]["replicas"] = replicas;
  d["status"]["readyReplicas"] = ready;
  d["status"]["updatedReplicas"] = updated;
  d["status"]["availableReplicas"] = ready;
  d["status"]["conditions"] =
      Json::array({{{"type", "Available"}, {"status", available ? "True" : "False"}}});
  return d;
}

std::string status(const Json& s, const char* type) {
  const Json* c = runtime::findCondition(s["conditions"], type);
  return c ? (*c)["status"].get<std::string>() + "/" + (*c)["reason"].get<std::string>() : "none";
}
}  // namespace

TEST_CASE("no Deployment yet: not available, progressing") {
  StatusObservation o;
  o.generation = 3;
  o.internalHostname = "r.ns.svc:5000";
  Json s = computeStatus(Json(), o, kT0);
  CHECK(status(s, "Available") == "False/DeploymentMissing");
  CHECK(status(s, "Progressing") == "True/Creating");
  CHECK(status(s, "Degraded") == "False/AsExpected");
  CHECK(s["observedGeneration"] == 3);
  CHECK(s["internalHostname"] == "r.ns.svc:5000");
  CHECK(s["readyReplicas"] == 0);
}

TEST_CASE("a rolled-out Deployment: available, not progressing") {
  Json d = deployment(2, 2, 2, true);
  StatusObservation o;
  o.deployment = &d;
  o.configHash = "abc";
  o.externalHostnames = {"a.example"};
  Json s = computeStatus(Json(), o, kT0);
  CHECK(status(s, "Available") == "True/Ready");
  CHECK(status(s, "Progressing") == "False/RolloutComplete");
  CHECK(s["readyReplicas"] == 2);
  CHECK(s["configHash"] == "abc");
  CHECK(s["externalHostnames"] == Json{"a.example"});
}

TEST_CASE("a rollout in progress, or not yet observed by the Deployment controller") {
  Json rolling = deployment(2, 2, 1, true);
  Json unobserved = deployment(1, 1, 1, true, 3, 2);
  for (const Json* d : {&rolling, &unobserved}) {
    StatusObservation o;
    o.deployment = d;
    CHECK(status(computeStatus(Json(), o, kT0), "Progressing") == "True/RollingOut");
  }
}

TEST_CASE("problems make Degraded, with every message, lastTransitionTime moves only on flips") {
  Json d = deployment(1, 1, 1, true);
  StatusObservation o;
  o.deployment = &d;
  Json first = computeStatus(Json(), o, kT0);
  o.problems = {{"ConfigBundleUnavailable", "spec.configBundleSecret: Secret \"b\" not found"},
                {"DefaultRouteNeedsDomain", "defaultRoute needs --ingress-domain"}};
  Json second = computeStatus(first, o, kT1);
  const Json* degraded = runtime::findCondition(second["conditions"], "Degraded");
  REQUIRE(degraded != nullptr);
  CHECK((*degraded)["status"] == "True");
  CHECK((*degraded)["reason"] == "ConfigBundleUnavailable");
  CHECK((*degraded)["message"].get<std::string>().find("--ingress-domain") != std::string::npos);
  const Json* available_before = runtime::findCondition(first["conditions"], "Available");
  const Json* available_after = runtime::findCondition(second["conditions"], "Available");
  CHECK((*available_before)["lastTransitionTime"] == (*available_after)["lastTransitionTime"]);
  CHECK((*degraded)["lastTransitionTime"] !=
        (*runtime::findCondition(first["conditions"], "Degraded"))["lastTransitionTime"]);
}

TEST_CASE("an invalid spec: Degraded InvalidSpec, Progressing False") {
  StatusObservation o;
  o.specInvalid = true;
  o.problems = {{"InvalidSpec", "spec.storage.pvc.size: \"0Gi\" is not a positive quantity"}};
  Json s = computeStatus(Json(), o, kT0);
  CHECK(status(s, "Degraded") == "True/InvalidSpec");
  CHECK(status(s, "Progressing") == "False/InvalidSpec");
}

TEST_CASE("Removed: all three conditions say so") {
  StatusObservation o;
  o.managementState = registry::ManagementState::Removed;
  Json s = computeStatus(Json(), o, kT0);
  CHECK(status(s, "Available") == "False/Removed");
  CHECK(status(s, "Progressing") == "False/Removed");
  CHECK(status(s, "Degraded") == "False/Removed");
}

TEST_CASE("statusChanged ignores condition timestamps only") {
  Json d = deployment(1, 1, 1, true);
  StatusObservation o;
  o.deployment = &d;
  Json a = computeStatus(Json(), o, kT0);
  Json b = computeStatus(Json(), o, kT1);  // same content, other timestamps
  CHECK_FALSE(registry::statusChanged(a, b));
  o.configHash = "new";
  CHECK(registry::statusChanged(a, computeStatus(a, o, kT1)));
  CHECK(registry::statusChanged(Json(), a));
}

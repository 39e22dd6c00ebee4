#include "registry/render/registry_status.h"

#include "runtime/conditions.h"

namespace registry {

namespace {

long long intAt(const kube::Json& object, const std::string& pointer) {
  const kube::Json& value = kube::at(object, pointer);
  return value.is_number_integer() ? value.get<long long>() : 0;
}

bool deploymentConditionTrue(const kube::Json& deployment, const std::string& type) {
  return runtime::isConditionTrue(kube::at(deployment, "/status/conditions"), type);
}

std::string joinProblems(const std::vector<Problem>& problems) {
  std::string text;
  for (const auto& problem : problems) {
    if (!text.empty()) text += "; ";
    text += problem.message;
  }
  return text;
}

struct RolloutView {
  long long wanted = 0;
  long long ready = 0;
  long long updated = 0;
  long long available = 0;
  bool observed = false;  // the Deployment controller has seen the latest spec
  bool deadline_exceeded = false;
};

RolloutView viewOf(const kube::Json& deployment) {
  RolloutView view;
  const kube::Json& replicas = kube::at(deployment, "/spec/replicas");
  // Without spec.replicas (an HPA owns it) the Deployment's own status.replicas is the target.
  view.wanted = replicas.is_number_integer() ? replicas.get<long long>()
                                             : intAt(deployment, "/status/replicas");
  view.ready = intAt(deployment, "/status/readyReplicas");
  view.updated = intAt(deployment, "/status/updatedReplicas");
  view.available = intAt(deployment, "/status/availableReplicas");
  view.observed = intAt(deployment, "/status/observedGeneration") >= kube::generation(deployment);
  for (const auto& condition : kube::at(deployment, "/status/conditions", kube::Json::array())) {
    if (condition.value("type", "") == "Progressing" &&
        condition.value("reason", "") == "ProgressDeadlineExceeded") {
      view.deadline_exceeded = true;
    }
  }
  return view;
}

}  // namespace

kube::Json computeStatus(const kube::Json& previous, const StatusObservation& observed,
                         std::chrono::system_clock::time_point now) {
  kube::Json status = kube::Json::object();
  kube::Json conditions = kube::at(previous, "/conditions", kube::Json::array());
  const long long generation = observed.generation;
  auto set = [&](const char* type, bool value, const std::string& reason,
                 const std::string& message) {
    runtime::setCondition(
        conditions, runtime::Condition{type, value ? "True" : "False", reason, message, generation},
        now);
  };

  if (observed.managementState == ManagementState::Removed) {
    set("Available", false, "Removed", "the registry was removed (managementState: Removed)");
    set("Progressing", false, "Removed", "nothing to roll out (managementState: Removed)");
    set("Degraded", false, "Removed", "managementState is Removed");
    status["conditions"] = conditions;
    status["observedGeneration"] = generation;
    status["readyReplicas"] = 0;
    status["externalHostnames"] = kube::Json::array();
    return status;
  }

  RolloutView rollout;
  if (observed.deployment != nullptr) rollout = viewOf(*observed.deployment);
  const bool available = observed.deployment != nullptr && rollout.ready > 0 &&
                         deploymentConditionTrue(*observed.deployment, "Available");
  const std::string replicas_text =
      std::to_string(rollout.ready) + " of " + std::to_string(rollout.wanted) + " replicas ready";
  if (observed.deployment == nullptr) {
    set("Available", false, "DeploymentMissing", "the registry Deployment does not exist yet");
  } else if (available) {
    set("Available", true, "Ready", "the registry is serving: " + replicas_text);
  } else {
    set("Available", false, "NoReadyReplicas", "no registry pod is ready: " + replicas_text);
  }

  if (observed.specInvalid) {
    set("Progressing", false, "InvalidSpec", "nothing applied until the spec is fixed");
  } else if (observed.deployment == nullptr) {
    set("Progressing", true, "Creating", "creating the registry objects");
  } else if (!rollout.observed || rollout.updated < rollout.wanted ||
             rollout.ready < rollout.wanted || rollout.available < rollout.wanted) {
    set("Progressing", true, "RollingOut",
        "rolling out the registry: " + std::to_string(rollout.updated) + " of " +
            std::to_string(rollout.wanted) + " replicas updated, " + replicas_text);
  } else {
    set("Progressing", false, "RolloutComplete",
        "all " + std::to_string(rollout.wanted) + " replicas run the current configuration");
  }

  if (!observed.problems.empty()) {
    set("Degraded", true, observed.problems.front().reason, joinProblems(observed.problems));
  } else if (rollout.deadline_exceeded) {
    set("Degraded", true, "ProgressDeadlineExceeded",
        "the registry Deployment did not finish rolling out within its progress deadline");
  } else {
    set("Degraded", false, "AsExpected", "no problems found");
  }

  status["conditions"] = conditions;
  status["observedGeneration"] = generation;
  status["readyReplicas"] = rollout.ready;
  status["internalHostname"] = observed.internalHostname;
  status["externalHostnames"] = observed.externalHostnames;
  if (!observed.configHash.empty()) status["configHash"] = observed.configHash;
  status["storageManaged"] = observed.storageManaged;
  return status;
}

bool statusChanged(const kube::Json& previous, const kube::Json& next) {
  kube::Json a = previous.is_object() ? previous : kube::Json::object();
  kube::Json b = next;
  if (!runtime::conditionsEqualIgnoringTime(kube::at(a, "/conditions", kube::Json::array()),
                                            kube::at(b, "/conditions", kube::Json::array()))) {
    return true;
  }
  a.erase("conditions");
  b.erase("conditions");
  // Written by the operator's jobs (the mirrors' CronJobs, the pruner), not by this computation.
  a.erase("mirrors");
  a.erase("lastPrune");
  return a != b;
}

}  // namespace registry

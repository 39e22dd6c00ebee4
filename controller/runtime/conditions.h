#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "kube/object.h"

namespace runtime {

// One status condition as the Kubernetes API conventions define it (metav1.Condition).
struct Condition {
  std::string type;    // "Available"
  std::string status;  // "True", "False" or "Unknown"
  std::string reason;  // CamelCase, machine-readable
  std::string message;
  long long observed_generation = 0;
};

// Sets `condition` in `conditions` (a JSON array of metav1.Condition; null becomes an array).
// lastTransitionTime is set to `now` when the condition is new or its status flips, and kept
// otherwise, so that it says when the state last changed rather than when we last looked.
// Returns true if anything changed.
bool setCondition(kube::Json& conditions, const Condition& condition,
                  std::chrono::system_clock::time_point now);

// Removes the condition of `type`; returns true if there was one.
bool removeCondition(kube::Json& conditions, std::string_view type);

// The condition of `type`, or null.
const kube::Json* findCondition(const kube::Json& conditions, std::string_view type);
bool isConditionTrue(const kube::Json& conditions, std::string_view type);

// Whether two condition lists say the same thing: same types with the same status, reason,
// message and observedGeneration, in any order, whatever their lastTransitionTime. Status
// writers use it to skip a write that would change nothing but timestamps.
bool conditionsEqualIgnoringTime(const kube::Json& a, const kube::Json& b);

}  // namespace runtime

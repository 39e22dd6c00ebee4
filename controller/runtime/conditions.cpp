#include "runtime/conditions.h"

#include "runtime/time_format.h"

namespace runtime {

namespace {

std::string stringOr(const kube::Json& item, const char* field) {
  auto it = item.find(field);
  return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
}

kube::Json* findMutable(kube::Json& conditions, std::string_view type) {
  if (!conditions.is_array()) return nullptr;
  for (auto& item : conditions) {
    if (item.is_object() && stringOr(item, "type") == type) return &item;
  }
  return nullptr;
}

long long generationOf(const kube::Json& item) {
  auto it = item.find("observedGeneration");
  return it != item.end() && it->is_number_integer() ? it->get<long long>() : 0;
}

bool sameIgnoringTime(const kube::Json& a, const kube::Json& b) {
  return stringOr(a, "status") == stringOr(b, "status") &&
         stringOr(a, "reason") == stringOr(b, "reason") &&
         stringOr(a, "message") == stringOr(b, "message") && generationOf(a) == generationOf(b);
}

}  // namespace

bool setCondition(kube::Json& conditions, const Condition& condition,
                  std::chrono::system_clock::time_point now) {
  if (!conditions.is_array()) conditions = kube::Json::array();
  kube::Json desired = {{"type", condition.type},
                        {"status", condition.status},
                        {"reason", condition.reason},
                        {"message", condition.message},
                        {"observedGeneration", condition.observed_generation}};
  kube::Json* existing = findMutable(conditions, condition.type);
  if (!existing) {
    desired["lastTransitionTime"] = formatTime(now);
    conditions.push_back(std::move(desired));
    return true;
  }
  if (sameIgnoringTime(*existing, desired) && existing->contains("lastTransitionTime")) {
    return false;
  }
  const bool flipped = stringOr(*existing, "status") != condition.status;
  const auto previous_time = stringOr(*existing, "lastTransitionTime");
  desired["lastTransitionTime"] =
      flipped || previous_time.empty() ? formatTime(now) : previous_time;
  *existing = std::move(desired);
  return true;
}

bool removeCondition(kube::Json& conditions, std::string_view type) {
  if (!conditions.is_array()) return false;
  for (auto it = conditions.begin(); it != conditions.end(); ++it) {
    if (it->is_object() && stringOr(*it, "type") == type) {
      conditions.erase(it);
      return true;
    }
  }
  return false;
}

const kube::Json* findCondition(const kube::Json& conditions, std::string_view type) {
  if (!conditions.is_array()) return nullptr;
  for (const auto& item : conditions) {
    if (item.is_object() && stringOr(item, "type") == type) return &item;
  }
  return nullptr;
}

bool isConditionTrue(const kube::Json& conditions, std::string_view type) {
  const auto* condition = findCondition(conditions, type);
  return condition && stringOr(*condition, "status") == "True";
}

bool conditionsEqualIgnoringTime(const kube::Json& a, const kube::Json& b) {
  const auto size = [](const kube::Json& list) { return list.is_array() ? list.size() : 0; };
  if (size(a) != size(b)) return false;
  if (!a.is_array()) return true;  // both empty
  for (const auto& item : a) {
    if (!item.is_object()) return false;
    const auto* other = findCondition(b, stringOr(item, "type"));
    if (!other || !sameIgnoringTime(item, *other)) return false;
  }
  return true;
}

}  // namespace runtime

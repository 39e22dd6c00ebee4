#include "registry/render/interval_schedule.h"

#include <array>
#include <cstdint>

namespace registry {
namespace {

// FNV-1a: stable across builds and platforms, unlike std::hash.
std::uint64_t stableHash(std::string_view text) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

// The largest of `steps` (ascending, starting at 1) that is at most `value`.
template <std::size_t N>
long largestStepAtMost(const std::array<long, N>& steps, long value) {
  long chosen = steps.front();
  for (long step : steps) {
    if (step <= value) chosen = step;
  }
  return chosen;
}

std::string stepField(long offset, long last, long step) {
  if (step == 1) return "*";
  return std::to_string(offset) + "-" + std::to_string(last) + "/" + std::to_string(step);
}

}  // namespace

std::string cronScheduleForInterval(std::chrono::milliseconds interval, std::string_view seed) {
  static constexpr std::array<long, 11> kMinuteSteps = {1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30};
  static constexpr std::array<long, 7> kHourSteps = {1, 2, 3, 4, 6, 8, 12};
  const std::uint64_t hash = stableHash(seed);
  const long minutes = static_cast<long>(
      std::chrono::duration_cast<std::chrono::minutes>(interval).count());  // rounds down
  if (minutes < 60) {
    const long step = largestStepAtMost(kMinuteSteps, minutes);
    return stepField(static_cast<long>(hash % static_cast<std::uint64_t>(step)), 59, step) +
           " * * * *";
  }
  const std::string minute = std::to_string(hash % 60);
  const long hours = minutes / 60;
  if (hours < 24) {
    const long step = largestStepAtMost(kHourSteps, hours);
    const long offset = static_cast<long>((hash / 60) % static_cast<std::uint64_t>(step));
    return minute + " " + stepField(offset, 23, step) + " * * *";
  }
  return minute + " " + std::to_string((hash / 60) % 24) + " * * *";
}

}  // namespace registry

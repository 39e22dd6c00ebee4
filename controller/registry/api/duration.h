#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace registry {

// The duration strings of the spec (pruning.keepYoungerThan, mirrors[].interval): a sequence of
// <integer><unit> with unit h, m, s or ms, e.g. "60m", "15m", "1h30m", "90s". This is the subset
// of Go's time.ParseDuration that the CRD pattern accepts, so both agree on what is valid:
//   ^([0-9]{1,9}(h|m|s|ms))+$
// Returns std::nullopt for anything else (empty, signs, fractions, unknown units, overflow).
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

// The CRD pattern above, kept here so the CRD test can check both agree.
inline constexpr const char* kDurationPattern = "^([0-9]{1,9}(h|m|s|ms))+$";

}  // namespace registry

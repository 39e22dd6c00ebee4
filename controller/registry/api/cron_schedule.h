#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace registry {

// Checks a CronJob schedule the way the CronJob controller will read it: five fields (minute,
// hour, day of month, month, day of week) of comma-separated items `*`, `?`, `N`, `N-M`, each
// with an optional `/step`, values within each field's range (months and weekdays may be
// named: JAN..DEC, SUN..SAT), or one of the macros @yearly @annually @monthly @weekly @daily
// @midnight @hourly. Returns why it is not, or std::nullopt when it is well formed.
std::optional<std::string> cronScheduleProblem(std::string_view schedule);

// The coarser pattern the CRD uses (five fields of the allowed characters, or a macro).
inline constexpr const char* kCronPattern =
    "^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|"
    "[0-9A-Za-z*?/,-]+( +[0-9A-Za-z*?/,-]+){4})$";

}  // namespace registry

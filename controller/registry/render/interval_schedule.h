#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace registry {

// A cron schedule that runs at least once per `interval` (spec.mirrors[].interval), for a
// CronJob. Cron steps restart each hour and each day, so the interval is rounded down to the
// nearest step that divides them: minutes to 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30, hours to
// 1, 2, 3, 4, 6, 8 or 12, and anything from a day up runs daily. Under a minute is every minute
// (a CronJob's finest step). The minute and hour within the step come from `seed` (the
// CronJob's name), so that many mirrors do not all start at :00.
//   15m -> "7-59/15 * * * *"   45m -> "7-59/30 * * * *"   6h -> "23 1-23/6 * * *"
std::string cronScheduleForInterval(std::chrono::milliseconds interval, std::string_view seed);

}  // namespace registry

#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace runtime {

// metav1.Time: RFC 3339 in UTC with whole seconds, "2024-05-01T12:00:00Z".
std::string formatTime(std::chrono::system_clock::time_point time);
// metav1.MicroTime (Lease renewTime, Event eventTime): "2024-05-01T12:00:00.123456Z".
std::string formatMicroTime(std::chrono::system_clock::time_point time);
// Parses either form, with any fraction and a "Z" or "±hh:mm" offset; nullopt if malformed or
// outside the years a system_clock time point holds (1678 to 2261).
std::optional<std::chrono::system_clock::time_point> parseTime(std::string_view text);

}  // namespace runtime

#include "registry/api/duration.h"

#include <cstdint>

namespace registry {

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total_ms = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t digits_start = i;
    std::int64_t number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    std::size_t digits = i - digits_start;
    // Nine digits per component keep every sum far below int64 overflow (999999999h fits).
    if (digits == 0 || digits > 9 || i == text.size()) return std::nullopt;
    std::int64_t unit_ms = 0;
    if (text.substr(i, 2) == "ms") {
      unit_ms = 1;
      i += 2;
    } else if (text[i] == 'h') {
      unit_ms = 3600 * 1000;
      ++i;
    } else if (text[i] == 'm') {
      unit_ms = 60 * 1000;
      ++i;
    } else if (text[i] == 's') {
      unit_ms = 1000;
      ++i;
    } else {
      return std::nullopt;
    }
    total_ms += number * unit_ms;
  }
  return std::chrono::milliseconds(total_ms);
}

}  // namespace registry

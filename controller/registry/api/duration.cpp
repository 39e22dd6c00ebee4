#include "registry/api/duration.h"

#include <cstdint>
#include <limits>

namespace registry {

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total_ms = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t digits_start = i;
    std::int64_t number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      // A tenth digit is refused before it is multiplied in: nine keep each component far
      // below int64 overflow (999999999h is about 3.6e15 ms). Found by tests/fuzz
      // (registry_config): twenty digits overflowed `number`.
      if (i - digits_start == 9) return std::nullopt;
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    std::size_t digits = i - digits_start;
    if (digits == 0 || i == text.size()) return std::nullopt;
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
    // Thousands of components could still add up past int64: such a sum is refused, never
    // wrapped.
    const std::int64_t component = number * unit_ms;
    if (total_ms > std::numeric_limits<std::int64_t>::max() - component) return std::nullopt;
    total_ms += component;
  }
  return std::chrono::milliseconds(total_ms);
}

}  // namespace registry

#include "registry/api/cron_schedule.h"

#include <array>
#include <cctype>
#include <sstream>
#include <vector>

namespace registry {
namespace {

struct FieldRange {
  const char* name;
  int min;
  int max;
  // Names accepted instead of numbers (index + names_base is the value).
  std::vector<std::string> names;
  int names_base;
};

const std::array<FieldRange, 5>& fieldRanges() {
  static const std::array<FieldRange, 5> ranges = {{
      {"minute", 0, 59, {}, 0},
      {"hour", 0, 23, {}, 0},
      {"day of month", 1, 31, {}, 0},
      {"month",
       1,
       12,
       {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"},
       1},
      // 7 is Sunday too, as in the robfig/cron parser the CronJob controller uses.
      {"day of week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, 0},
  }};
  return ranges;
}

std::optional<int> parseValue(std::string_view text, const FieldRange& range) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  bool all_digits = true;
  for (char c : text) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    int value = std::stoi(std::string(text));
    if (value < range.min || value > range.max) return std::nullopt;
    return value;
  }
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::size_t i = 0; i < range.names.size(); ++i) {
    if (range.names[i] == upper) return static_cast<int>(i) + range.names_base;
  }
  return std::nullopt;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::optional<std::string> itemProblem(std::string_view item, const FieldRange& range) {
  std::string bad = std::string("invalid ") + range.name + " \"" + std::string(item) + "\"";
  std::string_view base = item;
  std::size_t slash = item.find('/');
  if (slash != std::string_view::npos) {
    base = item.substr(0, slash);
    std::string_view step = item.substr(slash + 1);
    if (step.empty() || step.size() > 2) return bad;
    for (char c : step) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad;
    }
    if (std::stoi(std::string(step)) == 0) return bad;
  }
  if (base == "*" || base == "?") return std::nullopt;
  std::size_t dash = base.find('-');
  if (dash == std::string_view::npos) {
    return parseValue(base, range) ? std::nullopt : std::optional<std::string>(bad);
  }
  auto low = parseValue(base.substr(0, dash), range);
  auto high = parseValue(base.substr(dash + 1), range);
  if (!low || !high || *low > *high) return bad;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> cronScheduleProblem(std::string_view schedule) {
  static const std::array<std::string_view, 7> macros = {
      "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
  for (auto macro : macros) {
    if (schedule == macro) return std::nullopt;
  }
  if (schedule.size() > 128) return std::string("is too long");
  std::vector<std::string> fields;
  std::istringstream stream{std::string(schedule)};
  for (std::string field; stream >> field;) fields.push_back(field);
  if (fields.size() != 5) {
    return "must have 5 fields (minute hour day-of-month month day-of-week), found " +
           std::to_string(fields.size());
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    for (std::string_view item : split(fields[i], ',')) {
      if (auto problem = itemProblem(item, fieldRanges()[i])) return problem;
    }
  }
  return std::nullopt;
}

}  // namespace registry

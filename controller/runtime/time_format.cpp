#include "runtime/time_format.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace runtime {

namespace {

std::string formatSeconds(std::chrono::system_clock::time_point time) {
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(time));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  return buffer;
}

// Reads exactly `width` digits at `pos`.
bool digits(std::string_view text, std::size_t& pos, int width, int& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (int i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = out * 10 + (c - '0');
  }
  pos += width;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || (text[pos] != c && std::tolower(text[pos]) != c)) return false;
  ++pos;
  return true;
}

}  // namespace

std::string formatTime(std::chrono::system_clock::time_point time) {
  return formatSeconds(time) + "Z";
}

std::string formatMicroTime(std::chrono::system_clock::time_point time) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          time - std::chrono::floor<std::chrono::seconds>(time))
                          .count();
  char fraction[32];
  std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(micros));
  return formatSeconds(time) + fraction + "Z";
}

std::optional<std::chrono::system_clock::time_point> parseTime(std::string_view text) {
  std::size_t pos = 0;
  std::tm tm{};
  int year, month, day, hour, minute, second;
  if (!digits(text, pos, 4, year) || !expect(text, pos, '-') || !digits(text, pos, 2, month) ||
      !expect(text, pos, '-') || !digits(text, pos, 2, day) || !expect(text, pos, 't') ||
      !digits(text, pos, 2, hour) || !expect(text, pos, ':') || !digits(text, pos, 2, minute) ||
      !expect(text, pos, ':') || !digits(text, pos, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::chrono::nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    long long scale = 100000000;
    std::size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      fraction += std::chrono::nanoseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::chrono::seconds offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '+' ? 1 : -1;
    ++pos;
    int oh, om;
    if (!digits(text, pos, 2, oh) || !expect(text, pos, ':') || !digits(text, pos, 2, om)) {
      return std::nullopt;
    }
    offset = std::chrono::seconds(sign * (oh * 3600 + om * 60));
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t utc = timegm(&tm);
  // system_clock counts nanoseconds in 64 bits: about 1677-09-21 to 2262-04-11. A time outside
  // (Go's zero time "0001-01-01T00:00:00Z" is common in image configs) would overflow in the
  // conversion; with a week's margin for the offset and fraction, it is refused instead.
  constexpr std::time_t kLimit =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max())
          .count() -
      7 * 24 * 3600;
  if (utc > kLimit || utc < -kLimit) return std::nullopt;
  return std::chrono::system_clock::from_time_t(utc) - offset +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(fraction);
}

}  // namespace runtime

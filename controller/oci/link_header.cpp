#include "oci/link_header.h"

#include <cctype>

namespace oci {

namespace {

bool isBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && isBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && isBlank(text.back())) text.remove_suffix(1);
  return text;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Whether a rel value (unquoted: "next", or a blank-separated list) names "next".
bool relHasNext(std::string_view rel) {
  while (!rel.empty()) {
    rel = trim(rel);
    std::size_t end = 0;
    while (end < rel.size() && !isBlank(rel[end])) ++end;
    if (equalsIgnoreCase(rel.substr(0, end), "next")) return true;
    rel.remove_prefix(end);
  }
  return false;
}

}  // namespace

std::optional<std::string> nextLink(std::string_view header) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t open = header.find('<', pos);
    if (open == std::string_view::npos) return std::nullopt;
    std::size_t close = header.find('>', open + 1);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view target = header.substr(open + 1, close - open - 1);
    // The link's parameters: ";"-separated up to the next link (a "," outside quotes).
    pos = close + 1;
    bool next = false;
    while (pos < header.size() && header[pos] != ',') {
      if (header[pos] != ';') {
        ++pos;
        continue;
      }
      ++pos;
      std::size_t name_start = pos;
      while (pos < header.size() && header[pos] != '=' && header[pos] != ';' &&
             header[pos] != ',') {
        ++pos;
      }
      std::string_view name = trim(header.substr(name_start, pos - name_start));
      if (pos >= header.size() || header[pos] != '=') continue;
      ++pos;
      while (pos < header.size() && isBlank(header[pos])) ++pos;
      std::string value;
      if (pos < header.size() && header[pos] == '"') {
        ++pos;
        while (pos < header.size() && header[pos] != '"') {
          if (header[pos] == '\\' && pos + 1 < header.size()) ++pos;
          value += header[pos++];
        }
        if (pos < header.size()) ++pos;  // closing quote
      } else {
        while (pos < header.size() && header[pos] != ';' && header[pos] != ',') {
          value += header[pos++];
        }
      }
      if (equalsIgnoreCase(name, "rel") && relHasNext(value)) next = true;
    }
    if (next) return std::string(trim(target));
    if (pos < header.size()) ++pos;  // the comma
  }
  return std::nullopt;
}

}  // namespace oci

#include "oci/names.h"

namespace oci {

namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*
bool isPathComponent(std::string_view part) {
  if (part.empty() || !isLowerAlnum(part.front()) || !isLowerAlnum(part.back())) return false;
  std::size_t i = 0;
  while (i < part.size()) {
    if (isLowerAlnum(part[i])) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < part.size() && !isLowerAlnum(part[i])) ++i;
    std::string_view separator = part.substr(start, i - start);
    bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
    if (separator != "." && separator != "_" && separator != "__" && !dashes) return false;
  }
  return true;
}

}  // namespace

bool isValidRepositoryName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  while (true) {
    std::size_t slash = name.find('/');
    if (!isPathComponent(name.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    name.remove_prefix(slash + 1);
  }
}

bool isValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(tag.front())) return false;
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

}  // namespace oci

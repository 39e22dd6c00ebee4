#include "registry/api/dns_names.h"

namespace registry {
namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

bool isDns1123Label(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  if (!isLowerAlnum(text.front()) || !isLowerAlnum(text.back())) return false;
  for (char c : text) {
    if (!isLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool isDns1123Subdomain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = text.find('.', start);
    std::string_view label = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!isDns1123Label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool isDns1035Label(std::string_view text) {
  return isDns1123Label(text) && text.front() >= 'a' && text.front() <= 'z';
}

}  // namespace registry

#include "kube/object.h"

namespace kube {

namespace {
std::string metadataString(const Object& object, const char* field) {
  const Json& value = at(object, std::string("/metadata/") + field);
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string mapEntry(const Object& object, const char* map, std::string_view key) {
  const Json& entries = at(object, std::string("/metadata/") + map);
  if (!entries.is_object()) return {};
  auto it = entries.find(key);
  return it != entries.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::string name(const Object& object) { return metadataString(object, "name"); }
std::string namespaceOf(const Object& object) { return metadataString(object, "namespace"); }
std::string resourceVersion(const Object& object) {
  return metadataString(object, "resourceVersion");
}
std::string uid(const Object& object) { return metadataString(object, "uid"); }

std::string label(const Object& object, std::string_view key) {
  return mapEntry(object, "labels", key);
}
std::string annotation(const Object& object, std::string_view key) {
  return mapEntry(object, "annotations", key);
}

long long generation(const Object& object) {
  const Json& value = at(object, "/metadata/generation");
  return value.is_number_integer() ? value.get<long long>() : 0;
}

std::string keyOf(const Object& object) {
  std::string ns = namespaceOf(object);
  return ns.empty() ? name(object) : ns + "/" + name(object);
}

namespace {
const Json kNull;
}  // namespace

Json at(const Json& document, const std::string& pointer, const Json& fallback) {
  const Json& value = at(document, pointer);
  return value.is_null() ? fallback : value;
}

const Json& at(const Json& document, const std::string& pointer) {
  const Json& fallback = kNull;
  // Walks the pointer by hand: nlohmann's json_pointer throws on missing keys and type
  // mismatches, and documents here come from outside.
  const Json* node = &document;
  std::size_t pos = 1;
  while (pos <= pointer.size() && !pointer.empty()) {
    std::size_t next = pointer.find('/', pos);
    std::string token =
        pointer.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    for (std::size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i) {
      if (i + 1 < token.size()) token.replace(i, 2, token[i + 1] == '1' ? "/" : "~");
    }
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) return fallback;
      node = &*it;
    } else if (node->is_array()) {
      char* end = nullptr;
      unsigned long index = std::strtoul(token.c_str(), &end, 10);
      if (token.empty() || *end != '\0' || index >= node->size()) return fallback;
      node = &(*node)[index];
    } else {
      return fallback;
    }
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return *node;
}

}  // namespace kube

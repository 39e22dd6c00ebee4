#include "oci/json_fields.h"

#include <limits>

namespace oci {

namespace {

const kube::Json* member(const kube::Json& parent, std::string_view key) {
  if (!parent.is_object()) return nullptr;
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

kube::Result<kube::Json> parseJsonObject(std::string_view body, std::string_view what) {
  // No exceptions: a malformed document (bad syntax, invalid UTF-8) parses as "discarded".
  kube::Json document = kube::Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return kube::Error(kube::ErrorKind::Decode, std::string(what) + ": not valid JSON");
  }
  if (!document.is_object()) {
    return kube::Error(kube::ErrorKind::Decode, std::string(what) + ": not a JSON object");
  }
  return document;
}

kube::Error fieldError(const std::string& path, std::string_view problem) {
  return kube::Error(kube::ErrorKind::Decode, path + ": " + std::string(problem));
}

std::string indexPath(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string childPath(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

kube::Result<std::optional<std::string>> optionalString(const kube::Json& parent,
                                                        std::string_view key,
                                                        const std::string& path) {
  const kube::Json* value = member(parent, key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return fieldError(childPath(path, key), "must be a string");
  return std::optional<std::string>(value->get<std::string>());
}

kube::Result<std::string> requiredString(const kube::Json& parent, std::string_view key,
                                         const std::string& path) {
  auto value = optionalString(parent, key, path);
  if (!value) return value.error();
  if (!*value) return fieldError(childPath(path, key), "is required");
  return std::move(**value);
}

kube::Result<std::optional<std::int64_t>> optionalCount(const kube::Json& parent,
                                                        std::string_view key,
                                                        const std::string& path) {
  const kube::Json* value = member(parent, key);
  if (value == nullptr) return std::optional<std::int64_t>();
  if (value->is_number_unsigned()) {
    auto number = value->get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return fieldError(childPath(path, key), "is too large");
    }
    return std::optional<std::int64_t>(static_cast<std::int64_t>(number));
  }
  if (value->is_number_integer()) {
    return fieldError(childPath(path, key), "must not be negative");
  }
  return fieldError(childPath(path, key), "must be a non-negative integer");
}

kube::Result<const kube::Json*> optionalArray(const kube::Json& parent, std::string_view key,
                                              const std::string& path) {
  const kube::Json* value = member(parent, key);
  if (value != nullptr && !value->is_array()) {
    return fieldError(childPath(path, key), "must be an array");
  }
  return value;
}

kube::Result<const kube::Json*> optionalObject(const kube::Json& parent, std::string_view key,
                                               const std::string& path) {
  const kube::Json* value = member(parent, key);
  if (value != nullptr && !value->is_object()) {
    return fieldError(childPath(path, key), "must be an object");
  }
  return value;
}

kube::Result<std::vector<std::string>> stringArray(const kube::Json& parent, std::string_view key,
                                                   const std::string& path) {
  auto array = optionalArray(parent, key, path);
  if (!array) return array.error();
  std::vector<std::string> strings;
  if (*array == nullptr) return strings;
  for (std::size_t i = 0; i < (*array)->size(); ++i) {
    const kube::Json& element = (**array)[i];
    if (!element.is_string())
      return fieldError(indexPath(childPath(path, key), i), "must be a string");
    strings.push_back(element.get<std::string>());
  }
  return strings;
}

}  // namespace oci

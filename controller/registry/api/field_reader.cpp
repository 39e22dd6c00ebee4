#include "registry/api/field_reader.h"

#include <cmath>
#include <limits>

namespace registry {

const kube::Json* FieldReader::member(const kube::Json& parent, std::string_view key) {
  if (!parent.is_object()) return nullptr;
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> FieldReader::string(const kube::Json& parent, std::string_view key,
                                               const std::string& path) {
  const kube::Json* value = member(parent, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    errors_.add(childPath(path, key), "must be a string");
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<bool> FieldReader::boolean(const kube::Json& parent, std::string_view key,
                                         const std::string& path) {
  const kube::Json* value = member(parent, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    errors_.add(childPath(path, key), "must be a boolean");
    return std::nullopt;
  }
  return value->get<bool>();
}

std::optional<std::int64_t> FieldReader::integer(const kube::Json& parent, std::string_view key,
                                                 const std::string& path) {
  const kube::Json* value = member(parent, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer() && !value->is_number_unsigned()) {
    return value->get<std::int64_t>();
  }
  if (value->is_number_unsigned()) {
    auto unsigned_value = value->get<std::uint64_t>();
    if (unsigned_value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(unsigned_value);
    }
    errors_.add(childPath(path, key), "is too large");
    return std::nullopt;
  }
  if (value->is_number_float()) {
    double number = value->get<double>();
    // 2^62 keeps the conversion exact and far from overflow; larger values are nonsense here.
    if (std::isfinite(number) && std::trunc(number) == number && std::fabs(number) < 0x1p62) {
      return static_cast<std::int64_t>(number);
    }
  }
  errors_.add(childPath(path, key), "must be an integer");
  return std::nullopt;
}

const kube::Json* FieldReader::object(const kube::Json& parent, std::string_view key,
                                      const std::string& path) {
  const kube::Json* value = member(parent, key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    errors_.add(childPath(path, key), "must be an object");
    return nullptr;
  }
  return value;
}

const kube::Json* FieldReader::array(const kube::Json& parent, std::string_view key,
                                     const std::string& path) {
  const kube::Json* value = member(parent, key);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    errors_.add(childPath(path, key), "must be a list");
    return nullptr;
  }
  return value;
}

std::string indexPath(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string childPath(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

}  // namespace registry

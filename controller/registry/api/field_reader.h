#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kube/object.h"
#include "registry/api/field_errors.h"

namespace registry {

// Type-checked reads of optional members of a JSON object. A member that is absent or null reads
// as std::nullopt (the caller keeps its default); a member of the wrong type is recorded in the
// FieldErrors under its full path and also reads as std::nullopt, so parsing carries on and
// reports every problem. Nothing here throws.
class FieldReader {
 public:
  explicit FieldReader(FieldErrors& errors) : errors_(errors) {}

  std::optional<std::string> string(const kube::Json& parent, std::string_view key,
                                    const std::string& path);
  std::optional<bool> boolean(const kube::Json& parent, std::string_view key,
                              const std::string& path);
  // Integers; a float with an integral value (2.0) is accepted, 2.5 is not.
  std::optional<std::int64_t> integer(const kube::Json& parent, std::string_view key,
                                      const std::string& path);
  // Returns a pointer into `parent`, or nullptr when absent, null or not an object.
  const kube::Json* object(const kube::Json& parent, std::string_view key, const std::string& path);
  const kube::Json* array(const kube::Json& parent, std::string_view key, const std::string& path);

  FieldErrors& errors() { return errors_; }

 private:
  // The member, or nullptr when `parent` is not an object or the member is absent or null.
  static const kube::Json* member(const kube::Json& parent, std::string_view key);

  FieldErrors& errors_;
};

// "spec.routes" + 2 → "spec.routes[2]"; "spec" + "storage" → "spec.storage".
std::string indexPath(const std::string& path, std::size_t index);
std::string childPath(const std::string& path, std::string_view key);

}  // namespace registry

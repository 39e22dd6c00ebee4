#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kube/object.h"
#include "kube/result.h"

namespace oci {

// Type-checked reads of the registry's JSON documents (manifests, configs, listings, errors).
// A registry, or anything posing as one, may send anything: every wrong shape is a Decode error
// that names the field by its path ("layers[1].size"), never an exception or a crash.

// Parses `body` as one JSON object; `what` names the document in the error ("manifest").
kube::Result<kube::Json> parseJsonObject(std::string_view body, std::string_view what);

kube::Error fieldError(const std::string& path, std::string_view problem);

// "layers" + 1 → "layers[1]"; "config" + "digest" → "config.digest"; "" + "x" → "x".
std::string indexPath(const std::string& path, std::size_t index);
std::string childPath(const std::string& path, std::string_view key);

// Absent or null members read as std::nullopt / nullptr; a member of the wrong type is an error.
kube::Result<std::optional<std::string>> optionalString(const kube::Json& parent,
                                                        std::string_view key,
                                                        const std::string& path);
kube::Result<std::string> requiredString(const kube::Json& parent, std::string_view key,
                                         const std::string& path);
// A non-negative integer that fits in int64 (sizes, schemaVersion, expires_in).
kube::Result<std::optional<std::int64_t>> optionalCount(const kube::Json& parent,
                                                        std::string_view key,
                                                        const std::string& path);
kube::Result<const kube::Json*> optionalArray(const kube::Json& parent, std::string_view key,
                                              const std::string& path);
kube::Result<const kube::Json*> optionalObject(const kube::Json& parent, std::string_view key,
                                               const std::string& path);

// The elements of a JSON array that must all be strings ("repositories", "tags").
kube::Result<std::vector<std::string>> stringArray(const kube::Json& parent, std::string_view key,
                                                   const std::string& path);

}  // namespace oci

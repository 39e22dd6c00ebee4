#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kube {

// Kubernetes objects are handled as JSON documents: the operator builds and compares a few
// dozen fields of each kind, and typed structs for all of them would be mostly dead weight.
using Json = nlohmann::json;
using Object = nlohmann::json;

// Small, null-safe readers for metadata (a missing field reads as empty).
std::string name(const Object& object);
std::string namespaceOf(const Object& object);
std::string resourceVersion(const Object& object);
std::string uid(const Object& object);
long long generation(const Object& object);
// The value of a label or annotation by its plain key ("app.kubernetes.io/instance"), or "" when
// absent or not a string; saves every caller escaping '/' as "~1" in a JSON pointer.
std::string label(const Object& object, std::string_view key);
std::string annotation(const Object& object, std::string_view key);
// "<namespace>/<name>" or "<name>" for cluster-scoped objects.
std::string keyOf(const Object& object);

// The value at a JSON pointer ("/spec/replicas"), or a null value when absent. Never throws.
const Json& at(const Json& document, const std::string& pointer);
// The same, but `fallback` (returned by value, so it can never dangle) when absent or null.
Json at(const Json& document, const std::string& pointer, const Json& fallback);

}  // namespace kube

#pragma once

#include <string_view>

namespace registry {

// Kubernetes name rules, as the API server applies them to the objects the operator creates
// from the CR's names (so a bad name is reported against the CR, not as a failed apply).

// RFC 1123 label: lowercase alphanumerics and '-', alphanumeric at both ends, at most 63.
bool isDns1123Label(std::string_view text);
// RFC 1123 subdomain: dot-separated labels, at most 253 (Secret, ConfigMap, host names).
bool isDns1123Subdomain(std::string_view text);
// RFC 1035 label: like a 1123 label but starting with a letter (Service names).
bool isDns1035Label(std::string_view text);

}  // namespace registry

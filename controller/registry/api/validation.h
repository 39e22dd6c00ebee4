#pragma once

#include "registry/api/field_errors.h"
#include "registry/api/registry_config.h"

namespace registry {

// Value rules of a parsed (type-correct, defaulted) RegistryConfig: names, patterns, ranges and
// the cross-field rules of docs/design.md §2 (exactly one storage type is checked while parsing).
// These mirror the CRD's schema and CEL rules so that a CR that skipped them (an older CRD, a
// `render -f` file) is still refused with the same words. Appends to `errors`.
void validateRegistryConfig(const RegistryConfig& config, FieldErrors& errors);

// CronJob names are limited to 52 characters (the Jobs they create add 11).
inline constexpr std::size_t kMaxCronJobNameLength = 52;
// The longest CR name whose derived object names all stay valid: the pruner is `N-pruner`. A
// mirror's CronJob `N-mirror-<name>` is checked with its name.
inline constexpr std::size_t kMaxRegistryNameLength = 45;

}  // namespace registry

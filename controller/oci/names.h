#pragma once

#include <string_view>

namespace oci {

// The grammar of names in the registry API (distribution's reference package), checked before
// a name from a listing goes into a request path: whatever a registry lists, a request goes
// only where the grammar allows, so that nothing like "../" or "?" reaches a URL.

// path-component ("/" path-component)*, path-component = [a-z0-9]+ ([._]|__|[-]*) [a-z0-9]+ ...,
// at most 255 characters in all.
bool isValidRepositoryName(std::string_view name);

// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
bool isValidTag(std::string_view tag);

}  // namespace oci

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kube {

// Standard base64 (RFC 4648 §4), as used in Secret data and kubeconfig *-data fields.
std::string base64Encode(std::string_view bytes);
// nullopt on any character outside the alphabet or bad padding; whitespace is skipped.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace kube

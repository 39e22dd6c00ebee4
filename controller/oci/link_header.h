#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace oci {

// The target of the rel="next" link of a Link header (RFC 8288), as the registry paginates
// `_catalog` (and, in newer versions, tag lists):
//   </v2/_catalog?last=team%2Fb&n=100>; rel="next"
// Distribution 2.8 sends the target relative to the registry; others send an absolute URL. It
// comes back as written, between the angle brackets; nullopt when no link has rel next (also
// when the header cannot be read). `rel` may be quoted or not and list several relations.
std::optional<std::string> nextLink(std::string_view header);

}  // namespace oci

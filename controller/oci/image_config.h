#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "kube/result.h"

namespace oci {

// The image's creation time from its config blob (OCI image config and Docker's alike):
// `created`, RFC 3339. Absent or null is an empty value (a config may omit it; the pruner then
// keeps the image, as it cannot tell its age); present but not a string, or not an RFC 3339
// time, is a Decode error naming `created`. So is a time no time point holds, such as Go's zero
// time "0001-01-01T00:00:00Z" that some reproducible builds write: such an image is kept too.
kube::Result<std::optional<std::chrono::system_clock::time_point>> parseImageCreated(
    std::string_view config_body);

}  // namespace oci

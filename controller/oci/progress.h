#pragma once

#include <functional>
#include <string>

namespace oci {

// Receives one line of progress for a person ("team/app: 4 tags"); the commands print it to
// stderr. The oci layer never writes to a stream itself.
using ProgressSink = std::function<void(const std::string& line)>;

}  // namespace oci

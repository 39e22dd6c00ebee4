#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "kube/result.h"

namespace registry {

// Reads the whole of a small file (a CA bundle, an ownership marker, /etc/hosts) with plain
// read(2): std::ifstream throws from its stream buffer when the path is a directory, and these
// paths come from a node whose files anyone with root may have changed. std::nullopt when the
// file does not exist. The Error's message is only the reason ("Is a directory", "larger than
// 1048576 bytes"), for the caller to put after the path and what it was doing.
kube::Result<std::optional<std::string>> readSmallFile(const std::string& path,
                                                       std::size_t max_size);

}  // namespace registry

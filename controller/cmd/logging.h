#pragma once

#include <string>

#include "kube/result.h"

namespace cmd {

// Configures the default spdlog logger: level (error|warn|info|debug|trace) and format
// (text|json), on stderr. Secret values are never passed to the logger by any command.
kube::Result<void> setupLogging(const std::string& level, const std::string& format);

}  // namespace cmd

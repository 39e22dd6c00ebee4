#include "cmd/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace cmd {

kube::Result<void> setupLogging(const std::string& level, const std::string& format) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return kube::Error(kube::ErrorKind::Config,
                       "--log-level must be error, warn, info, debug or trace");
  }
  auto logger = spdlog::stderr_logger_mt("registry-operator");
  if (format == "json") {
    // One JSON object per line for log collectors. Messages are built by this program from
    // names and error texts, which contain no double quotes in practice; %v is not escaped.
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else if (format == "text") {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  } else {
    return kube::Error(kube::ErrorKind::Config, "--log-format must be text or json");
  }
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return {};
}

}  // namespace cmd

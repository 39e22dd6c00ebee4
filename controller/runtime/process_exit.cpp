#include "runtime/process_exit.h"

#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

namespace runtime {

void exitNow(int status, std::string_view reason) {
  spdlog::critical("exiting at once with status {}: {}", status, reason);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& logger) { logger->flush(); });
  std::fflush(nullptr);
  std::_Exit(status);
}

}  // namespace runtime

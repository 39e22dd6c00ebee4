#pragma once

#include <string_view>

namespace runtime {

// Ends the process at once with `status`: logs `reason`, flushes the logs and stdio, then
// std::_Exit, which runs no destructors and no atexit handlers.
//
// For the one case where returning is worse than exiting: threads that cannot be joined are
// still running code that uses objects a return from main() would destroy (reconciles past
// their shutdown deadline, see Manager::run). Exiting under them is safe; destroying what they
// use, with static destructors racing them, is not.
[[noreturn]] void exitNow(int status, std::string_view reason);

}  // namespace runtime

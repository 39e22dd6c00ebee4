#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "kube/cancel.h"
#include "kube/result.h"
#include "runtime/backoff.h"
#include "runtime/clock.h"

namespace runtime {

// Calls `attempt` until it succeeds or `cancel` fires, waiting `backoff.next()` on `clock`
// between attempts, for start-up steps that must not give up while the API server is still
// coming up (platform discovery). Every failure is logged once, as a warning: `what`, the
// attempt number, the error's describe() and the wait before the next try. describe() carries
// what the server or the transport said, never the request's headers, so no credentials.
//
// Returns the first success; once `cancel` fires, a Cancelled error whose message ends with
// the last failure (if any attempt was made).
template <class T>
kube::Result<T> retryUntilCancelled(std::string_view what,
                                    const std::function<kube::Result<T>()>& attempt,
                                    Backoff& backoff, Clock& clock,
                                    const kube::CancelToken& cancel) {
  std::string last_failure = "no attempt made";
  for (int number = 1; !cancel.cancelled(); ++number) {
    auto result = attempt();
    if (result) {
      if (number > 1) spdlog::info("{}: succeeded on attempt {}", what, number);
      return result;
    }
    last_failure = result.error().describe();
    const auto wait = backoff.next();
    spdlog::warn("{}: attempt {} failed, retrying in {} ms: {}", what, number, wait.count(),
                 last_failure);
    if (!clock.sleepFor(wait, cancel)) break;
  }
  return kube::Error(kube::ErrorKind::Cancelled,
                     std::string(what) + ": cancelled; last failure: " + last_failure);
}

}  // namespace runtime

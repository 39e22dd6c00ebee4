#pragma once

#include <optional>
#include <string>
#include <variant>

#include "kube/error.h"
#include "runtime/clock.h"

namespace runtime {

// What a successful reconcile asks for next (kube-rs's Action, controller-runtime's Result).
// A reconcile is not told why it ran; it says only when it wants to run again.
struct Action {
  std::optional<Clock::Duration> requeue_after;

  // Run again after `delay` even if nothing changes (e.g. to poll an external system).
  static Action requeueAfter(Clock::Duration delay) { return Action{delay}; }
  // Run again only when a watched object changes.
  static Action awaitChange() { return Action{}; }
};

// A failed reconcile. Retryable errors are requeued with the key's exponential backoff (and not
// sooner than a server's Retry-After); terminal ones are not requeued at all, because retrying
// cannot help until the input changes, and a change enqueues the key anyway.
class ReconcileError {
 public:
  explicit ReconcileError(std::string message, bool terminal = false,
                          std::optional<Clock::Duration> retry_after = std::nullopt)
      : message_(std::move(message)), terminal_(terminal), retry_after_(retry_after) {}
  // API errors are retryable (conflicts, throttling, outages); Retry-After is kept.
  ReconcileError(const kube::Error& error)  // NOLINT: implicit so `return api_error;` works
      : message_(error.describe()), terminal_(false) {
    if (error.retryAfter()) retry_after_ = *error.retryAfter();
  }

  static ReconcileError terminal(std::string message) {
    return ReconcileError(std::move(message), true);
  }

  const std::string& message() const { return message_; }
  bool isTerminal() const { return terminal_; }
  std::optional<Clock::Duration> retryAfter() const { return retry_after_; }

 private:
  std::string message_;
  bool terminal_;
  std::optional<Clock::Duration> retry_after_;
};

// An Action or a ReconcileError; built implicitly from either, or from a kube::Error.
class ReconcileResult {
 public:
  ReconcileResult(Action action) : state_(action) {}                            // NOLINT
  ReconcileResult(ReconcileError error) : state_(std::move(error)) {}           // NOLINT
  ReconcileResult(const kube::Error& error) : state_(ReconcileError(error)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<Action>(state_); }
  const Action& action() const { return std::get<Action>(state_); }
  const ReconcileError& error() const { return std::get<ReconcileError>(state_); }

 private:
  std::variant<Action, ReconcileError> state_;
};

}  // namespace runtime

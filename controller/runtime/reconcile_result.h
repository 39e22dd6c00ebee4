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

// A failed reconcile. Errors are requeued with the key's exponential backoff (and not sooner
// than a server's Retry-After); terminal ones are not requeued at all, because retrying cannot
// help until the input changes, and a change enqueues the key anyway.
//
// Every API error is retried, whatever its kind, as controller-runtime does: a Forbidden may
// be fixed by an RBAC change, which enqueues nothing, and the backoff keeps a hopeless retry
// cheap. A reconciler that knows retrying cannot help (a spec the API server refuses as
// Invalid) says so with terminal().
class ReconcileError {
 public:
  explicit ReconcileError(std::string message, bool terminal = false,
                          std::optional<Clock::Duration> retry_after = std::nullopt)
      : message_(std::move(message)), terminal_(terminal), retry_after_(retry_after) {}
  // From an API error: retried, not sooner than its Retry-After; the error itself is kept.
  ReconcileError(const kube::Error& error)  // NOLINT: implicit so `return api_error;` works
      : message_(error.describe()), terminal_(false), kube_error_(error) {
    if (error.retryAfter()) retry_after_ = *error.retryAfter();
  }

  static ReconcileError terminal(std::string message) {
    return ReconcileError(std::move(message), true);
  }
  // An API error that retrying cannot fix (e.g. Invalid); kept like any other.
  static ReconcileError terminal(const kube::Error& error) {
    ReconcileError failure(error);
    failure.terminal_ = true;
    return failure;
  }

  const std::string& message() const { return message_; }
  bool isTerminal() const { return terminal_; }
  std::optional<Clock::Duration> retryAfter() const { return retry_after_; }
  // The API error this failure was built from, if any: its kind, HTTP code and reason, for
  // callers, logs and tests that decide on them rather than on the message.
  const std::optional<kube::Error>& kubeError() const { return kube_error_; }

 private:
  std::string message_;
  bool terminal_;
  std::optional<Clock::Duration> retry_after_;
  std::optional<kube::Error> kube_error_;
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

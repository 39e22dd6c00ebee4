#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace kube {

// What went wrong, in the terms a caller decides on: retry, give up, or treat as a fact
// (NotFound). Built from a metav1.Status body, an HTTP code, or a local failure.
enum class ErrorKind {
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  AlreadyExists,
  Conflict,
  Gone,
  Invalid,
  TooManyRequests,
  Timeout,
  Server,     // 5xx other than the above
  Transport,  // could not talk to the server at all (connection, TLS, cancelled stream)
  Decode,     // the server answered with something we cannot parse
  Config,     // bad kubeconfig or in-cluster files
  Cancelled,  // the caller cancelled
  Other,
};

std::string_view toString(ErrorKind kind);

class Error {
 public:
  Error(ErrorKind kind, std::string message, int http_code = 0, std::string reason = {},
        std::optional<std::chrono::seconds> retry_after = std::nullopt);

  ErrorKind kind() const { return kind_; }
  int httpCode() const { return http_code_; }
  // The metav1.Status reason (e.g. "AlreadyExists"), empty when the server gave none.
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  std::optional<std::chrono::seconds> retryAfter() const { return retry_after_; }

  bool is(ErrorKind kind) const { return kind_ == kind; }

  // The same error with `context` in front of its message ("applying Service x: <message>"),
  // and its kind, HTTP code, reason and Retry-After unchanged, so that a caller further up still
  // decides on the original failure (ignore a NotFound, wait out a throttle). Errors are values
  // that travel up through several layers; each adds what it was doing, none rebuilds them.
  Error withContext(std::string_view context) const;
  // The same error told in other words (a one-line message for a person at a terminal): only
  // the message changes; kind, code, reason and Retry-After stay.
  Error withMessage(std::string message) const;

  // "NotFound (404): configmaps \"x\" not found"
  std::string describe() const;

 private:
  ErrorKind kind_;
  std::string message_;
  int http_code_;
  std::string reason_;
  std::optional<std::chrono::seconds> retry_after_;
};

// The longest Retry-After an Error carries. A server's hint beyond it (a misconfigured proxy, a
// hostile endpoint, a typo of days for seconds) is cut down to it rather than ignored: the server
// still asked us to back off, but a controller parked for hours looks dead. client-go's retries
// stay within a minute too.
inline constexpr std::chrono::seconds kMaxRetryAfter{60};

// Classifies an HTTP error response. `body` may be a metav1.Status JSON document or anything
// else (an HTML error page from a proxy, a truncated body); `retry_after` is the raw header.
// Retry-After, from the header or the Status's details.retryAfterSeconds, is capped at
// kMaxRetryAfter.
Error errorFromResponse(int http_code, const std::string& body,
                        const std::string& retry_after_header = {});

}  // namespace kube

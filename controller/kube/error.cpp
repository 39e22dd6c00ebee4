#include "kube/error.h"

#include <algorithm>
#include <cinttypes>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace kube {

std::string_view toString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::BadRequest:
      return "BadRequest";
    case ErrorKind::Unauthorized:
      return "Unauthorized";
    case ErrorKind::Forbidden:
      return "Forbidden";
    case ErrorKind::NotFound:
      return "NotFound";
    case ErrorKind::AlreadyExists:
      return "AlreadyExists";
    case ErrorKind::Conflict:
      return "Conflict";
    case ErrorKind::Gone:
      return "Gone";
    case ErrorKind::Invalid:
      return "Invalid";
    case ErrorKind::TooManyRequests:
      return "TooManyRequests";
    case ErrorKind::Timeout:
      return "Timeout";
    case ErrorKind::Server:
      return "ServerError";
    case ErrorKind::Transport:
      return "TransportError";
    case ErrorKind::Decode:
      return "DecodeError";
    case ErrorKind::Config:
      return "ConfigError";
    case ErrorKind::Cancelled:
      return "Cancelled";
    case ErrorKind::Other:
      return "Error";
  }
  return "Error";
}

Error::Error(ErrorKind kind, std::string message, int http_code, std::string reason,
             std::optional<std::chrono::seconds> retry_after)
    : kind_(kind),
      message_(std::move(message)),
      http_code_(http_code),
      reason_(std::move(reason)),
      retry_after_(retry_after) {}

Error Error::withContext(std::string_view context) const {
  Error error = *this;
  if (context.empty()) return error;
  error.message_ = message_.empty() ? std::string(context) : std::string(context) + ": " + message_;
  return error;
}

Error Error::withMessage(std::string message) const {
  Error error = *this;
  error.message_ = std::move(message);
  return error;
}

std::string Error::describe() const {
  std::string text(toString(kind_));
  if (http_code_ != 0) text += " (" + std::to_string(http_code_) + ")";
  if (!message_.empty()) text += ": " + message_;
  return text;
}

namespace {

ErrorKind kindFromReason(const std::string& reason) {
  static const std::pair<const char*, ErrorKind> table[] = {
      {"BadRequest", ErrorKind::BadRequest},
      {"Unauthorized", ErrorKind::Unauthorized},
      {"Forbidden", ErrorKind::Forbidden},
      {"NotFound", ErrorKind::NotFound},
      {"AlreadyExists", ErrorKind::AlreadyExists},
      {"Conflict", ErrorKind::Conflict},
      {"Gone", ErrorKind::Gone},
      {"Expired", ErrorKind::Gone},
      {"Invalid", ErrorKind::Invalid},
      {"TooManyRequests", ErrorKind::TooManyRequests},
      {"Timeout", ErrorKind::Timeout},
      {"ServerTimeout", ErrorKind::Timeout},
      {"InternalError", ErrorKind::Server},
      {"ServiceUnavailable", ErrorKind::Server},
  };
  for (const auto& [name, kind] : table) {
    if (reason == name) return kind;
  }
  return ErrorKind::Other;
}

ErrorKind kindFromCode(int code) {
  switch (code) {
    case 400:
      return ErrorKind::BadRequest;
    case 401:
      return ErrorKind::Unauthorized;
    case 403:
      return ErrorKind::Forbidden;
    case 404:
      return ErrorKind::NotFound;
    case 409:
      return ErrorKind::Conflict;
    case 410:
      return ErrorKind::Gone;
    case 422:
      return ErrorKind::Invalid;
    case 429:
      return ErrorKind::TooManyRequests;
    case 504:
      return ErrorKind::Timeout;
    default:
      return code >= 500 ? ErrorKind::Server : ErrorKind::Other;
  }
}

std::optional<std::chrono::seconds> parseRetryAfter(const std::string& header,
                                                    const nlohmann::json& status) {
  const auto capped = [](std::uintmax_t seconds) {
    return std::chrono::seconds(
        std::min<std::uintmax_t>(seconds, static_cast<std::uintmax_t>(kMaxRetryAfter.count())));
  };
  if (!header.empty()) {
    // Only the delay-seconds form; an HTTP-date is ignored. strtoumax would wrap a negative
    // number around, so the sign is refused first; an overflow saturates, and then is capped.
    const char* text = header.c_str();
    while (*text == ' ' || *text == '\t') ++text;
    if (*text >= '0' && *text <= '9') return capped(std::strtoumax(text, nullptr, 10));
  }
  if (status.is_object()) {
    auto details = status.find("details");
    if (details != status.end() && details->is_object()) {
      auto retry = details->find("retryAfterSeconds");
      // Unsigned first: a value above INT64_MAX is stored unsigned, and reading it as a signed
      // number would make it negative.
      if (retry != details->end() && retry->is_number_unsigned()) {
        return capped(retry->get<std::uintmax_t>());
      }
      if (retry != details->end() && retry->is_number_integer() &&
          retry->get<std::intmax_t>() >= 0) {
        return capped(static_cast<std::uintmax_t>(retry->get<std::intmax_t>()));
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Error errorFromResponse(int http_code, const std::string& body,
                        const std::string& retry_after_header) {
  auto status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string reason;
  std::string message;
  const bool is_status =
      status.is_object() && status.contains("kind") && status["kind"] == "Status";
  if (is_status) {
    if (auto it = status.find("reason"); it != status.end() && it->is_string()) reason = *it;
    if (auto it = status.find("message"); it != status.end() && it->is_string()) message = *it;
  }
  if (message.empty()) {
    // Not a metav1.Status (a proxy's page, a truncated body): keep a short, printable excerpt.
    // Only printable ASCII survives: the excerpt may end mid-character or not be UTF-8 at all,
    // and it travels on into logs, Events and JSON documents.
    message = body.substr(0, 200);
    for (char& c : message) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
      if (static_cast<unsigned char>(c) >= 0x7f) c = '?';
    }
    if (message.empty()) message = "HTTP " + std::to_string(http_code);
  }
  ErrorKind kind = kindFromReason(reason);
  if (kind == ErrorKind::Other) kind = kindFromCode(http_code);
  // A 409 whose reason is AlreadyExists is a fact about creation, not a write race.
  return Error(kind, std::move(message), http_code, std::move(reason),
               parseRetryAfter(retry_after_header, status.is_object() ? status : nlohmann::json()));
}

}  // namespace kube

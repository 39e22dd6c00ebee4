#include "oci/registry_error.h"

#include "oci/json_fields.h"

namespace oci {

namespace {

kube::ErrorKind kindOf(int status) {
  switch (status) {
    case 401:
      return kube::ErrorKind::Unauthorized;
    case 403:
      return kube::ErrorKind::Forbidden;
    case 404:
      return kube::ErrorKind::NotFound;
    case 429:
      return kube::ErrorKind::TooManyRequests;
    default:
      break;
  }
  if (status >= 500) return kube::ErrorKind::Server;
  if (status >= 400) return kube::ErrorKind::BadRequest;
  return kube::ErrorKind::Other;  // a status the caller did not expect (a redirect, a 200)
}

// One printable ASCII line of at most `limit` bytes: an error page must not flood a terminal or a
// termination log, nor break a one-line message.
std::string snippet(std::string_view text, std::size_t limit = 200) {
  std::string line;
  for (char c : text) {
    if (c == '\n' || c == '\r') break;
    // Control characters and non-ASCII bytes (possibly half a UTF-8 sequence once cut) become
    // placeholders, so the message stays one safe line wherever it is written.
    const auto byte = static_cast<unsigned char>(c);
    line += byte < 0x20 ? ' ' : byte >= 0x7f ? '?' : c;
    if (line.size() >= limit) {
      line += "...";
      break;
    }
  }
  return line;
}

}  // namespace

kube::Error registryError(std::string_view what, int http_status, std::string_view body) {
  std::string message = std::string(what) + ": " + std::to_string(http_status);
  std::string code;
  auto document = parseJsonObject(body, "error");
  const kube::Json* errors = nullptr;
  if (document) {
    auto array = optionalArray(*document, "errors", "");
    if (array) errors = *array;
  }
  if (errors != nullptr && !errors->empty() && (*errors)[0].is_object()) {
    const kube::Json& first = (*errors)[0];
    auto code_value = optionalString(first, "code", "");
    auto message_value = optionalString(first, "message", "");
    if (code_value && *code_value) code = snippet(**code_value, 64);
    if (!code.empty()) message += " " + code;
    if (message_value && *message_value && !(*message_value)->empty()) {
      message += ": " + snippet(**message_value);
    }
    if (errors->size() > 1) message += " (and " + std::to_string(errors->size() - 1) + " more)";
  } else if (!body.empty()) {
    std::string line = snippet(body);
    if (!line.empty()) message += ": " + line;
  }
  return kube::Error(kindOf(http_status), std::move(message), http_status, std::move(code));
}

bool isDeletionDisabled(const kube::Error& error) { return error.httpCode() == 405; }

}  // namespace oci

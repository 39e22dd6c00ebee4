#include "kube/watch_event.h"

namespace kube {

std::string_view toString(WatchEventType type) {
  switch (type) {
    case WatchEventType::Added:
      return "ADDED";
    case WatchEventType::Modified:
      return "MODIFIED";
    case WatchEventType::Deleted:
      return "DELETED";
    case WatchEventType::Bookmark:
      return "BOOKMARK";
    case WatchEventType::Error:
      return "ERROR";
  }
  return "UNKNOWN";
}

Result<WatchEvent> parseWatchEvent(const std::string& line) {
  auto document = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return Error(ErrorKind::Decode, "malformed watch event (" + std::to_string(line.size()) +
                                        " bytes, not a JSON object)");
  }
  auto type = document.find("type");
  auto object = document.find("object");
  if (type == document.end() || !type->is_string()) {
    return Error(ErrorKind::Decode, "watch event without a string \"type\"");
  }
  if (object == document.end() || !object->is_object()) {
    return Error(ErrorKind::Decode, "watch event without an \"object\"");
  }
  static const std::pair<const char*, WatchEventType> table[] = {
      {"ADDED", WatchEventType::Added},     {"MODIFIED", WatchEventType::Modified},
      {"DELETED", WatchEventType::Deleted}, {"BOOKMARK", WatchEventType::Bookmark},
      {"ERROR", WatchEventType::Error},
  };
  for (const auto& [text, kind] : table) {
    if (*type == text) return WatchEvent{kind, std::move(*object)};
  }
  return Error(ErrorKind::Decode, "unknown watch event type " + type->dump());
}

}  // namespace kube

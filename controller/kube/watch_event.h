#pragma once

#include <string>

#include "kube/object.h"
#include "kube/result.h"

namespace kube {

enum class WatchEventType { Added, Modified, Deleted, Bookmark, Error };

struct WatchEvent {
  WatchEventType type;
  Object object;  // for Error: the metav1.Status
};

// Parses one line of a watch stream ({"type":..., "object":...}). A truncated or malformed line
// is a Decode error, never a crash.
Result<WatchEvent> parseWatchEvent(const std::string& line);

std::string_view toString(WatchEventType type);

}  // namespace kube

#include "oci/image_config.h"

#include "oci/json_fields.h"
#include "runtime/time_format.h"

namespace oci {

kube::Result<std::optional<std::chrono::system_clock::time_point>> parseImageCreated(
    std::string_view config_body) {
  using TimePoint = std::chrono::system_clock::time_point;
  auto document = parseJsonObject(config_body, "image config");
  if (!document) return document.error();
  auto created = optionalString(*document, "created", "");
  if (!created) return created.error();
  if (!*created) return std::optional<TimePoint>();
  auto time = runtime::parseTime(**created);
  if (!time) return fieldError("created", "is not an RFC 3339 time between 1678 and 2261");
  return std::optional<TimePoint>(*time);
}

}  // namespace oci

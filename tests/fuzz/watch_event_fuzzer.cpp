// One line of a watch stream, as kube::Api::watch handles it: parse, and for an ERROR event turn
// its Status into an Error. Never a crash, whatever the server (or a proxy) sends.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kube/error.h"
#include "kube/object.h"
#include "kube/watch_event.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  auto event = kube::parseWatchEvent(line);
  if (!event) return 0;
  (void)kube::toString(event->type);
  const kube::Object& object = event->object;
  (void)kube::keyOf(object);
  (void)kube::resourceVersion(object);
  (void)kube::uid(object);
  (void)kube::generation(object);
  (void)kube::label(object, "app.kubernetes.io/instance");
  (void)kube::annotation(object, "registry.example.com/hash");
  if (event->type == kube::WatchEventType::Error) {
    // The same steps as kube::Api::watch.
    const kube::Json code = kube::at(object, "/code", 500);
    const int http_code = code.is_number_integer() ? code.get<int>() : 500;
    auto error = kube::errorFromResponse(
        http_code, object.dump(-1, ' ', false, kube::Json::error_handler_t::replace));
    (void)error.describe();
  }
  return 0;
}

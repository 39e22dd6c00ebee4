// YAML → JSON (manifests, kubeconfigs, the registry's config.yml) and back: any text gives JSON or
// a Decode error, never a crash, and what jsonToYaml writes reads back as the same document.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kube/yaml_json.h"

namespace {

// Floating-point numbers need not survive the trip digit for digit (nor inf, which JSON lacks).
bool hasFloat(const kube::Json& value) {
  if (value.is_number_float()) return true;
  if (value.is_structured()) {
    for (const auto& item : value) {
      if (hasFloat(item)) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)kube::yamlDocumentsToJson(text);
  auto json = kube::yamlToJson(text);
  if (!json) return 0;
  const std::string yaml = kube::jsonToYaml(*json);
  auto again = kube::yamlToJson(yaml);
  if (!again) __builtin_trap();  // jsonToYaml wrote YAML that does not parse
  // Nor need the noncharacters U+FFFE and U+FFFF: yaml-cpp's emitter writes U+FFFD for them.
  const std::string dumped = json->dump();
  const bool noncharacter = dumped.find("\xEF\xBF\xBE") != std::string::npos ||
                            dumped.find("\xEF\xBF\xBF") != std::string::npos;
  if (!hasFloat(*json) && !noncharacter && *again != *json) {
    __builtin_trap();  // jsonToYaml wrote YAML that means something else
  }
  return 0;
}

// RegistryConfig decoder + validator: any JSON (or YAML, as `render -f` reads) document must give
// a RegistryConfig or an Invalid error, never a crash; a config that parses must also render.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kube/yaml_json.h"
#include "registry/api/registry_config.h"
#include "registry/api/validation.h"
#include "registry/render/builders.h"

namespace {

registry::Inputs inputsFor(registry::Platform platform) {
  registry::Inputs inputs;
  inputs.httpSecret = "00112233445566778899aabbccddeeff";
  inputs.tls = registry::TlsMaterial{"CA", "CERT", "KEY"};
  inputs.platform.platform = platform;
  inputs.platform.ingressDomain = "apps.example.com";
  inputs.platform.registryImage = "docker.io/library/registry:2";
  inputs.platform.operatorImage = "registry-operator:fuzz";
  return inputs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  kube::Json cr = kube::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (cr.is_discarded()) {
    auto yaml = kube::yamlToJson(text);
    if (!yaml) return 0;
    cr = std::move(yaml).value();
  }
  auto config = registry::parseRegistryConfig(cr);
  if (!config) {
    if (config.error().message().empty()) __builtin_trap();  // errors always name the field
    return 0;
  }
  // parseRegistryConfig validated: validating again must find nothing.
  registry::FieldErrors errors;
  registry::validateRegistryConfig(*config, errors);
  if (!errors.empty()) __builtin_trap();
  for (auto platform : {registry::Platform::Kubernetes, registry::Platform::OpenShift}) {
    const registry::Inputs inputs = inputsFor(platform);
    auto objects = registry::desiredObjects(*config, inputs);
    if (!objects) continue;
    // Serialized strictly, as ApplyDrift::stamp and `render -o json` do.
    for (const auto& object : *objects) (void)object.dump();
  }
  return 0;
}

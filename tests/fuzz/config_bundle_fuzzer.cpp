// The user's config bundle: read from its Secret (configBundleFrom), merged over the rendered
// config.yml (mergeConfigBundle), and carried into the desired objects, as the reconciler does.
// Any bundle gives objects or an Invalid error, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "kube/base64.h"
#include "kube/object.h"
#include "registry/api/registry_config.h"
#include "registry/render/builders.h"
#include "registry/render/config_bundle.h"
#include "registry/render/config_render.h"

namespace {

const registry::RegistryConfig& fixedConfig() {
  static const registry::RegistryConfig config = [] {
    auto parsed = registry::parseRegistryConfig(kube::Json::parse(R"({
      "apiVersion": "imageregistry.io/v1alpha1", "kind": "RegistryConfig",
      "metadata": {"name": "registry", "namespace": "registry", "uid": "u-1", "generation": 1},
      "spec": {"storage": {"pvc": {}}, "rolloutStrategy": "Recreate","auth": {"type": "Htpasswd", "htpasswdSecret": "users"},
               "configBundleSecret": "bundle", "logLevel": "Debug"}})"));
    if (!parsed) {
      std::fprintf(stderr, "fixed config: %s\n", parsed.error().message().c_str());
      __builtin_trap();
    }
    return std::move(parsed).value();
  }();
  return config;
}

registry::Inputs fixedInputs() {
  registry::Inputs inputs;
  inputs.httpSecret = "00112233445566778899aabbccddeeff";
  inputs.tls = registry::TlsMaterial{"CA", "CERT", "KEY"};
  inputs.htpasswd = "user:$2y$05$abcdefghijklmnopqrstuv";
  inputs.platform.platform = registry::Platform::Kubernetes;
  inputs.platform.ingressDomain = "apps.example.com";
  return inputs;
}

kube::Json secretWith(const std::string& key, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "bundle"}, {"namespace", "registry"}}},
          {"data", {{key, value}}}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The input as a Secret's (possibly invalid) base64 value, then as the decoded bundle itself.
  (void)registry::configBundleFrom(secretWith("config.yaml", text), "bundle");
  auto bundle =
      registry::configBundleFrom(secretWith("config.yml", kube::base64Encode(text)), "bundle");
  if (!bundle || bundle->content != text) __builtin_trap();

  const registry::RegistryConfig& config = fixedConfig();
  registry::Inputs inputs = fixedInputs();
  const kube::Json base = registry::renderBaseConfig(config, inputs);
  auto merged = registry::mergeConfigBundle(base, bundle->content, bundle->key);
  inputs.configBundle = bundle->content;
  inputs.configBundleKey = bundle->key;
  auto objects = registry::desiredObjects(config, inputs);
  if (merged.ok() != objects.ok()) __builtin_trap();  // only a bad bundle fails the objects
  if (!objects) {
    if (objects.error().kind() != kube::ErrorKind::Invalid) __builtin_trap();
    return 0;
  }
  // Serialized strictly, as ApplyDrift::stamp and `render -o json` do.
  for (const auto& object : *objects) (void)object.dump();
  return 0;
}

// What `registry-operator mirror` reads from its user rather than from a registry: the
// .dockerconfigjson of a pull secret and the --source image reference. The first byte picks the
// parser; never a crash, and never an error that repeats a secret.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "oci/docker_config.h"
#include "oci/image_reference.h"
#include "oci/names.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto config = oci::parseDockerConfig(input, "/pull-secret");
    if (!config) return 0;
    for (const auto& [host, credentials] : config->auths) {
      // Every key is a normalized host, and looking it up finds it.
      if (oci::normalizeRegistryHost(host) != host) std::abort();
      if (!oci::credentialsFor(*config, host)) std::abort();
      (void)credentials.anonymous();
    }
    return 0;
  }
  auto reference = oci::parseImageReference(input);
  if (!reference) return 0;
  // What it accepts goes into request paths: the grammar must hold.
  if (!oci::isValidRepositoryName(reference->repository)) std::abort();
  if (reference->host.empty() || reference->api_host.empty()) std::abort();
  if (reference->name().size() > 255) std::abort();
  (void)oci::normalizeRegistryHost(reference->host);
  return 0;
}

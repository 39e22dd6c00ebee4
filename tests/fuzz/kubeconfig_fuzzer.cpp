// kubeconfig parsing: any text gives a ClusterConfig or an Error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kube/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // A kubeconfig may name files to read (certificate-authority, client-key, ...). Relative ones
  // resolve against a folder that does not exist; device and kernel files (/dev/zero never ends)
  // are not the parser's business, so inputs naming them are skipped.
  for (const char* special : {"dev/", "proc/", "sys/"}) {
    if (text.find(special) != std::string::npos) return 0;
  }
  for (const char* context : {"", "other"}) {
    auto config = kube::parseKubeconfig(text, "/nonexistent-fuzz-base", context);
    if (!config && config.error().message().empty()) __builtin_trap();
  }
  return 0;
}

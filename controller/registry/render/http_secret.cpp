#include "registry/render/http_secret.h"

#include <array>

#include <openssl/rand.h>

#include "runtime/hex.h"

namespace registry {

kube::Result<std::string> generateHttpSecret() {
  std::array<unsigned char, 64> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return kube::Error(kube::ErrorKind::Other, "cannot generate httpSecret: RAND_bytes failed");
  }
  return runtime::toHex(bytes.data(), bytes.size());
}

}  // namespace registry

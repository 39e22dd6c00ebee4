// The ExecCredential a plugin prints: any bytes give a credential or an Error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kube/exec_credential.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto credential = kube::parseExecCredential(text);
  if (credential) {
    // parseExecCredential promises one of the two.
    if (credential->token.empty() &&
        (credential->client_cert_pem.empty() || credential->client_key_pem.empty())) {
      __builtin_trap();
    }
  } else if (credential.error().message().empty()) {
    __builtin_trap();
  }
  return 0;
}

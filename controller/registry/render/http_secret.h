#pragma once

#include <string>

#include "kube/result.h"

namespace registry {

// A new httpSecret: 64 bytes from OpenSSL's CSPRNG, as 128 lowercase hex characters. The
// registry signs upload state with it, so every replica must share it; the reconciler stores it
// in Secret `N-private` and generates it only when that Secret has none.
kube::Result<std::string> generateHttpSecret();

}  // namespace registry

#pragma once

#include "kube/config.h"
#include "kube/http.h"
#include "kube/result.h"

namespace kube {

// The production transport (cpprestsdk + OpenSSL). Validates the PEM material in `config` up
// front so that a bad CA or client key is a clear Config error, not a failed handshake later.
// This header deliberately includes no cpprestsdk header (compile cost, and no type leaks).
Result<HttpTransportPtr> makeCpprestTransport(const ClusterConfig& config);

}  // namespace kube

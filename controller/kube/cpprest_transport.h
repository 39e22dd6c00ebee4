#pragma once

#include "kube/config.h"
#include "kube/http.h"
#include "kube/result.h"

namespace kube {

// The production transport (cpprestsdk + OpenSSL). Validates the PEM material in `config` up
// front so that a bad CA or client key is a clear Config error, not a failed handshake later.
// This header deliberately includes no cpprestsdk header (compile cost, and no type leaks).
Result<HttpTransportPtr> makeCpprestTransport(const ClusterConfig& config);

// Sizes the I/O thread pool that every cpprestsdk client and listener of this process shares.
// cpprestsdk starts 40 threads on first use, whatever the load; they only wait for sockets and
// run completions (callers block on their own threads), so a few suffice, and each idle thread
// still costs a stack and, once it allocates, a malloc arena. Call it before the first transport
// or listener exists: the pool's size is fixed once made, and a later call is a Config error.
Result<void> setIoThreads(std::size_t threads);

}  // namespace kube

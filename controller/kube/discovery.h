#pragma once

#include <string>

#include "kube/client.h"
#include "kube/result.h"

namespace kube {

// Whether the server serves `kind` in `group`/`version` (e.g. route.openshift.io, v1, Route).
// A group/version the server does not know is `false`, not an error.
Result<bool> isServed(Client& client, const std::string& group, const std::string& version,
                      const std::string& kind);

// The server's /version gitVersion (e.g. "v1.34.4").
Result<std::string> serverVersion(Client& client);

}  // namespace kube

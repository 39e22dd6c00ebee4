#pragma once

#include <memory>

#include "kube/client.h"
#include "support/scripted_transport.h"

namespace testing {

// The real kube::Client over a ScriptedTransport: for tests of code that takes a ClientPtr and
// checks the requests it makes exactly.
struct ScriptedClient {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  kube::ClientPtr client;

  explicit ScriptedClient(kube::ClusterConfig config = {}) {
    config.server = "https://api";
    client = std::make_shared<kube::Client>(config, transport);
  }
};

}  // namespace testing

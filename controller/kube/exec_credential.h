#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "kube/config.h"
#include "kube/result.h"

namespace kube {

struct ExecCredential {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::optional<std::chrono::system_clock::time_point> expires;
};

// Parses the ExecCredential JSON a plugin prints on stdout.
Result<ExecCredential> parseExecCredential(const std::string& json_text);

// Runs the plugin (with KUBERNETES_EXEC_INFO set) and parses its output. Its stderr goes to ours
// so that interactive plugins can explain themselves; its stdout is never logged (it is secret).
// The plugin runs in a process group of its own; when the run (output and exit) takes longer
// than `exec.timeout`, the whole group is killed and the run fails (Config).
Result<ExecCredential> runExecPlugin(const ExecConfig& exec);

}  // namespace kube

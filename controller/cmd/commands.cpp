#include "cmd/commands.h"

namespace cmd {

std::map<std::string, Command> allCommands() {
  return {
      {"version", {"print the version", runVersion}},
      {"run", {"run the controller", runController}},
      {"render",
       {"print, offline, the objects the operator would create for a RegistryConfig", runRender}},
      {"ca",
       {"print the CA clients must trust to reach a registry, or write it as certs.d files",
        runCa}},
      {"node-ca",
       {"keep a registry's CA (and its names) on a node, until the registry is gone", runNodeCa}},
      {"mirror",
       {"copy tags of an upstream image into a registry, keeping their digests", runMirror}},
      {"prune",
       {"delete the manifests of old tags from a registry, keeping the newest and the young",
        runPrune}},
      {"auth-server",
       {"serve the registry's token realm for auth.type Kubernetes (the caller's own reviews)",
        runAuthServer}},
  };
}

std::string usage(const std::map<std::string, Command>& commands) {
  std::string text =
      "Usage: registry-operator COMMAND [OPTIONS]\n\n"
      "Runs a container image registry from RegistryConfig custom resources.\n\nCommands:\n";
  for (const auto& [name, command] : commands) {
    text += "  " + name + std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') +
            command.summary + "\n";
  }
  text += "\nRun 'registry-operator COMMAND --help' for a command's options.\n";
  return text;
}

}  // namespace cmd

#include "registry/node/hosts_toml.h"

namespace registry {

std::string containerdHostsToml(const std::string& host, const std::string& ca_path) {
  // containerd tries the [host] tables first, in order, and `server` last. The table carries
  // the CA; it is trusted to pull and to resolve tags (our own registry, not a public mirror).
  // Push is not listed: nodes only pull.
  return "# Written by registry-operator node-ca; it rewrites or removes this file.\n"
         "server = \"https://" +
         host +
         "\"\n"
         "\n"
         "[host.\"https://" +
         host +
         "\"]\n"
         "  capabilities = [\"pull\", \"resolve\"]\n"
         "  ca = \"" +
         ca_path + "\"\n";
}

}  // namespace registry

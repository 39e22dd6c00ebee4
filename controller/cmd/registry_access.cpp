#include "cmd/registry_access.h"

#include <iostream>

#include <fstream>
#include <sstream>

#include "kube/cpprest_transport.h"

namespace cmd {

int registryExitCode(const kube::Error& error, int otherwise) {
  if (error.is(kube::ErrorKind::Transport)) return kExitRegistryUnreachable;
  if (error.is(kube::ErrorKind::Unauthorized) || error.is(kube::ErrorKind::Forbidden)) {
    return kExitRegistryUnauthorized;
  }
  return otherwise;
}

kube::Result<std::string> readFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return kube::Error(kube::ErrorKind::Config, "cannot read the " + what + " " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

kube::Result<std::string> readPasswordFile(const std::string& path) {
  auto password = readFile(path, "password file");
  if (!password) return password.error();
  if (!password->empty() && password->back() == '\n') password->pop_back();
  if (!password->empty() && password->back() == '\r') password->pop_back();
  return password;
}

kube::Result<oci::TransportFactory> registryTransports(const std::string& ca_file) {
  kube::ClusterConfig transport_config;
  if (!ca_file.empty()) {
    auto ca = readFile(ca_file, "CA file");
    if (!ca) return ca.error();
    transport_config.ca_pem = std::move(*ca);
  }
  return oci::TransportFactory([transport_config](const std::string& origin) {
    kube::ClusterConfig config = transport_config;
    config.server = origin;
    return kube::makeCpprestTransport(config);
  });
}

std::string oneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

kube::Result<void> writeSummary(const std::string& line, const std::string& file) {
  std::cout << line << "\n" << std::flush;
  if (file.empty()) return {};
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << line << "\n";
  out.flush();
  if (!out) return kube::Error(kube::ErrorKind::Other, "cannot write " + file);
  return {};
}

}  // namespace cmd

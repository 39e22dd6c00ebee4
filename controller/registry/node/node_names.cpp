#include "registry/node/node_names.h"

#include <arpa/inet.h>

#include <cctype>

#include "registry/api/dns_names.h"

namespace registry {

namespace {

kube::Error invalid(std::string message) {
  return kube::Error(kube::ErrorKind::Config, std::move(message));
}

// A DNS name as resolvers accept it (letters of either case, digits, '-', '.'): looser than
// DNS-1123, since an external registry host is whatever its owner registered.
bool isDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.front() == '-') {
    return false;
  }
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '-' && c != '.') return false;
  }
  return name.find("..") == std::string::npos;
}

bool isIpAddress(const std::string& text, int family) {
  unsigned char buffer[16];
  return ::inet_pton(family, text.c_str(), buffer) == 1;
}

bool isPort(const std::string& text) {
  if (text.empty() || text.size() > 5) return false;
  for (unsigned char c : text) {
    if (!std::isdigit(c)) return false;
  }
  int port = std::stoi(text);
  return port > 0 && port < 65536;
}

}  // namespace

kube::Result<void> checkRegistryHost(const std::string& host) {
  auto bad = [&] {
    return invalid("registry host \"" + host +
                   "\" is not host[:port] (a DNS name, an IPv4 address or a bracketed IPv6 "
                   "address, and a port from 1 to 65535)");
  };
  std::string name = host;
  std::string port;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string::npos) return bad();
    name = host.substr(1, close - 1);
    if (!isIpAddress(name, AF_INET6)) return bad();
    if (close + 1 == host.size()) return {};
    if (host[close + 1] != ':' || !isPort(host.substr(close + 2))) return bad();
    return {};
  }
  if (const auto colon = host.find(':'); colon != std::string::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    if (!isPort(port)) return bad();
  }
  if (!isDnsName(name)) return bad();
  return {};
}

kube::Result<void> checkOwner(const std::string& owner) {
  const auto slash = owner.find('/');
  if (slash == std::string::npos || !isDns1123Subdomain(owner.substr(0, slash)) ||
      !isDns1123Subdomain(owner.substr(slash + 1))) {
    return invalid("owner \"" + owner + "\" is not NAMESPACE/NAME");
  }
  return {};
}

kube::Result<void> checkHostsEntry(const std::string& ip, const std::string& name) {
  if (!isIpAddress(ip, AF_INET) && !isIpAddress(ip, AF_INET6)) {
    return invalid("\"" + ip + "\" (for " + name + ") is not an IPv4 or IPv6 address");
  }
  if (!isDnsName(name)) return invalid("\"" + name + "\" is not a host name");
  return {};
}

}  // namespace registry

#include "registry/node/ca_bundle_file.h"

#include <cerrno>
#include <cstring>

#include "registry/node/small_file.h"

namespace registry {

namespace {

// Far beyond any CA bundle (a certificate is about 1-2 KiB), small enough to hold in memory.
constexpr std::size_t kMaxBundleSize = 1 << 20;

kube::Error bundleError(const std::string& path, const std::string& what) {
  return kube::Error(kube::ErrorKind::Config, "cannot use CA file " + path + ": " + what);
}

}  // namespace

kube::Result<std::string> readCaBundleFile(const std::string& path) {
  auto read = readSmallFile(path, kMaxBundleSize);
  if (!read) return bundleError(path, read.error().message());
  if (!*read) return bundleError(path, std::strerror(ENOENT));
  std::string bundle = std::move(**read);
  if (bundle.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return bundleError(path, "it holds no PEM certificate");
  }
  if (bundle.back() != '\n') bundle += '\n';
  return bundle;
}

}  // namespace registry

#include "registry/node/ownership_marker.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "registry/node/small_file.h"

namespace registry {

std::string ownershipMarkerContent(const std::string& owner) {
  return "# This directory was made by registry-operator node-ca for the RegistryConfig below;\n"
         "# it is removed with that registry. Delete this file to keep the directory as yours.\n" +
         owner + "\n";
}

kube::Result<std::optional<std::string>> readOwnershipMarker(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / kOwnershipMarker;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return kube::Error(kube::ErrorKind::Other,
                       "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  // Only a regular file we could have written counts; a symlink could point anywhere.
  if (!S_ISREG(info.st_mode)) return std::optional<std::string>();
  auto read = readSmallFile(path.string(), 4096);
  if (!read) {
    return kube::Error(kube::ErrorKind::Other,
                       "cannot read " + path.string() + ": " + read.error().message());
  }
  if (!*read) return std::optional<std::string>();  // removed since the lstat
  std::size_t start = 0;
  while (start < (*read)->size()) {
    std::size_t end = (*read)->find('\n', start);
    if (end == std::string::npos) end = (*read)->size();
    std::string line = (*read)->substr(start, end - start);
    if (!line.empty() && line.front() != '#') return std::optional<std::string>(line);
    start = end + 1;
  }
  return std::optional<std::string>();
}

}  // namespace registry

#include "registry/node/small_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace registry {

kube::Result<std::optional<std::string>> readSmallFile(const std::string& path,
                                                       std::size_t max_size) {
  // O_NONBLOCK: a FIFO put in the file's place fails the read instead of hanging the loop.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return kube::Error(kube::ErrorKind::Other, std::strerror(errno));
  }
  std::string content;
  char buffer[8192];
  int failure = 0;
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) failure = errno;
    if (got <= 0) break;
    content.append(buffer, static_cast<std::size_t>(got));
    if (content.size() > max_size) {
      ::close(fd);
      return kube::Error(kube::ErrorKind::Other,
                         "larger than " + std::to_string(max_size) + " bytes");
    }
  }
  ::close(fd);
  if (failure != 0) return kube::Error(kube::ErrorKind::Other, std::strerror(failure));
  return std::optional<std::string>(std::move(content));
}

}  // namespace registry

#include "runtime/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace runtime {

namespace {

kube::Error fileError(std::string message) {
  return kube::Error(kube::ErrorKind::Other, std::move(message));
}

}  // namespace

kube::Result<void> makeDirectories(const std::filesystem::path& dir) {
  std::filesystem::path built;
  for (const auto& part : dir) {
    built /= part;
    struct stat info {};
    if (::stat(built.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) {
        return fileError("cannot create directory " + built.string() +
                         ": a file of that name exists");
      }
      continue;
    }
    if (errno != ENOENT || ::mkdir(built.c_str(), 0755) != 0 ||
        ::chmod(built.c_str(), 0755) != 0) {  // chmod: the umask must not narrow it
      return fileError("cannot create directory " + built.string() + ": " + std::strerror(errno));
    }
  }
  return {};
}

kube::Result<void> writeFileAtomically(const std::filesystem::path& target,
                                       const std::string& content, mode_t mode) {
  std::string temp = (target.parent_path() / ("." + target.filename().string() + ".XXXXXX"));
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return fileError("cannot write " + target.string() + ": " + std::strerror(errno));
  const char* data = content.data();
  std::size_t left = content.size();
  bool ok = true;
  while (ok && left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    ok = written > 0;
    if (ok) {
      data += written;
      left -= static_cast<std::size_t>(written);
    }
  }
  ok = ok && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(temp.c_str(), target.c_str()) == 0) return {};
  if (ok) saved = errno;
  ::unlink(temp.c_str());
  return fileError("cannot write " + target.string() + ": " + std::strerror(saved));
}

}  // namespace runtime

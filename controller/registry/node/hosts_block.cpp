#include "registry/node/hosts_block.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "registry/node/node_names.h"
#include "registry/node/small_file.h"

namespace registry {

namespace {

kube::Error osError(const std::string& operation, const std::string& path, int error) {
  return kube::Error(kube::ErrorKind::Other,
                     "cannot " + operation + " " + path + ": " + std::strerror(error));
}

std::vector<std::string> splitLines(const std::string& content) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < content.size()) {
    std::size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    lines.push_back(content.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// A marker line, ignoring trailing blanks (an editor may add them, or a \r).
bool isLine(const std::string& line, const std::string& marker) {
  const auto last = line.find_last_not_of(" \t\r");
  return line.substr(0, last == std::string::npos ? 0 : last + 1) == marker;
}

// Far beyond any /etc/hosts, small enough to hold in memory.
constexpr std::size_t kMaxHostsFileSize = 4 << 20;

// Replaces the content of the file at `path` in place. Not the temporary-file-and-rename of the
// certs.d files: /etc/hosts is usually a single file bind-mounted into this pod (and, on the
// local cluster's node, into containerd's and kubelet's mount namespace), and rename() over a
// mount point fails with EBUSY, or, from the host's side, replaces the file behind the mount so
// that its readers keep the old one. The whole content goes out in one write() after O_TRUNC, so
// a reader sees an empty or partial file only for that instant; the file is small.
kube::Result<void> rewriteInPlace(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return osError("open for writing", path, errno);
  const char* data = content.data();
  std::size_t left = content.size();
  int failure = 0;
  while (left > 0) {
    const ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      failure = written < 0 ? errno : EIO;
      break;
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (failure == 0 && ::fsync(fd) != 0) failure = errno;
  if (::close(fd) != 0 && failure == 0) failure = errno;
  if (failure != 0) return osError("write", path, failure);
  return {};
}

}  // namespace

kube::Result<std::string> withHostsBlock(const std::string& content, const std::string& owner,
                                         const std::vector<HostsEntry>& entries) {
  if (auto valid = checkOwner(owner); !valid) return valid.error();
  for (const HostsEntry& entry : entries) {
    if (auto valid = checkHostsEntry(entry.ip, entry.name); !valid) return valid.error();
  }
  const std::string begin = "# BEGIN registry-operator " + owner;
  const std::string end = "# END registry-operator " + owner;
  std::string block;
  if (!entries.empty()) {
    block = begin + "\n";
    for (const HostsEntry& entry : entries) block += entry.ip + " " + entry.name + "\n";
    block += end + "\n";
  }

  // Every line outside this owner's blocks is kept as it is (a last line without its newline
  // too, so that a file without our block is never rewritten); the new block takes the place of
  // the first old one, or goes at the end.
  const std::vector<std::string> lines = splitLines(content);
  const bool unterminated = !content.empty() && content.back() != '\n';
  std::string out;
  bool placed = false;
  bool inside = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (inside) {
      if (isLine(line, begin)) {
        return kube::Error(kube::ErrorKind::Invalid,
                           "\"" + begin + "\" appears twice without \"" + end + "\" between");
      }
      if (isLine(line, end)) inside = false;
      continue;
    }
    if (isLine(line, begin)) {
      inside = true;
      if (!placed) out += block;
      placed = true;
      continue;
    }
    out += line;
    if (i + 1 < lines.size() || !unterminated) out += "\n";
  }
  if (inside) {
    return kube::Error(kube::ErrorKind::Invalid,
                       "\"" + begin + "\" has no \"" + end + "\" line after it");
  }
  if (!placed && !block.empty()) {
    if (!out.empty() && out.back() != '\n') out += "\n";
    out += block;
  }
  return out;
}

kube::Result<bool> syncHostsBlock(const std::string& path, const std::string& owner,
                                  const std::vector<HostsEntry>& entries) {
  auto current = readSmallFile(path, kMaxHostsFileSize);
  if (!current) {
    return kube::Error(kube::ErrorKind::Other,
                       "cannot read " + path + ": " + current.error().message());
  }
  if (!*current) {
    if (entries.empty()) return false;
    return osError("update", path, ENOENT);
  }
  auto updated = withHostsBlock(**current, owner, entries);
  if (!updated) return updated.error().withContext("cannot update " + path);
  if (*updated == **current) return false;
  if (auto written = rewriteInPlace(path, *updated); !written) return written.error();
  return true;
}

kube::Result<bool> removeHostsBlock(const std::string& path, const std::string& owner) {
  return syncHostsBlock(path, owner, {});
}

}  // namespace registry

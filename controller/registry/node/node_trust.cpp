#include "registry/node/node_trust.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include "registry/node/hosts_toml.h"
#include "registry/node/node_names.h"
#include "registry/node/ownership_marker.h"
#include "registry/node/small_file.h"
#include "runtime/atomic_file.h"

namespace registry {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCaFile = "ca.crt";
constexpr const char* kHostsToml = "hosts.toml";

kube::Error osError(const std::string& operation, const fs::path& path, int error) {
  return kube::Error(kube::ErrorKind::Other,
                     "cannot " + operation + " " + path.string() + ": " + std::strerror(error));
}

// `path` under `root`, for a node path such as "/etc/docker/certs.d".
fs::path underRoot(const std::string& root, const std::string& node_path) {
  return fs::path(root) / fs::path(node_path).relative_path();
}

// The content of `path` when it is a regular file with the mode we write (0644); nullopt when it
// is missing or anything else, so that it is written again.
kube::Result<std::optional<std::string>> currentContent(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return osError("read", path, errno);
  }
  if (!S_ISREG(info.st_mode) || (info.st_mode & 07777) != 0644) {
    return std::optional<std::string>();
  }
  // Our files are a CA bundle and a few lines of TOML; one larger, or unreadable, is written
  // again (and a failure to write names the path).
  auto read = readSmallFile(path.string(), 1 << 20);
  if (!read) return std::optional<std::string>();
  return *read;
}

// Writes `content` to `path` unless it already holds exactly that. True when it wrote.
kube::Result<bool> writeIfChanged(const fs::path& path, const std::string& content) {
  auto current = currentContent(path);
  if (!current) return current.error();
  if (*current == content) return false;
  if (auto written = runtime::writeFileAtomically(path, content, 0644); !written) {
    return written.error();
  }
  return true;
}

// Creates `base`/`host` already holding `owner`'s marker: it is built under a temporary name and
// renamed into place, so a crash never leaves a host directory without its marker, which a later
// sync would take for an administrator's and never clean up. (A temporary directory left behind
// has the marker and no wanted name, so the next sync removes it.)
kube::Result<void> createOwnedDirectory(const fs::path& base, const std::string& host,
                                        const std::string& owner) {
  const fs::path target = base / host;
  std::string temp = (base / ("." + host + ".XXXXXX")).string();
  if (::mkdtemp(temp.data()) == nullptr) return osError("create directory", target, errno);
  auto discard = [&] {
    ::unlink((fs::path(temp) / kOwnershipMarker).c_str());
    ::rmdir(temp.c_str());
  };
  if (::chmod(temp.c_str(), 0755) != 0) {  // mkdtemp makes it 0700: daemons must read it
    const int saved = errno;
    discard();
    return osError("create directory", target, saved);
  }
  auto marked = runtime::writeFileAtomically(fs::path(temp) / kOwnershipMarker,
                                             ownershipMarkerContent(owner), 0644);
  if (!marked) {
    discard();
    return marked.error();
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int saved = errno;
    discard();
    return osError("create directory", target, saved);
  }
  return {};
}

// Whether `name` in one of our directories is a temporary file of runtime::writeFileAtomically
// left by a crash (".ca.crt.XXXXXX"), ours to remove.
bool isOurLeftover(const std::string& name, const CertsDTree& tree) {
  for (const std::string& file : tree.files) {
    if (name.rfind("." + file + ".", 0) == 0) return true;
  }
  return name.rfind(std::string(".") + kOwnershipMarker + ".", 0) == 0;
}

// Removes what we wrote in `dir`, then `dir` if that left it empty; reports what it did. The
// files go in the reverse order of writing (hosts.toml before the CA it names) and the marker
// last, so that an interrupted removal is finished by the next sync.
void removeOwnedDirectory(const fs::path& dir, const CertsDTree& tree, NodeTrustReport& report) {
  std::error_code error;
  std::vector<std::string> leftovers;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (isOurLeftover(name, tree)) leftovers.push_back(name);
  }
  if (error) {
    report.failures.push_back(osError("list", dir, error.value()));
    return;
  }
  std::vector<std::string> ours(tree.files.rbegin(), tree.files.rend());
  ours.insert(ours.end(), leftovers.begin(), leftovers.end());
  for (const std::string& name : ours) {
    const fs::path path = dir / name;
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) continue;
      report.failures.push_back(osError("remove", path, errno));
      return;
    }
    if (name.front() != '.') report.changes.push_back("removed " + path.string());
  }
  const fs::path marker = dir / kOwnershipMarker;
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT) {
    report.failures.push_back(osError("remove", marker, errno));
    return;
  }
  if (::rmdir(dir.c_str()) == 0) {
    report.changes.push_back("removed directory " + dir.string());
  } else if (errno == ENOTEMPTY || errno == EEXIST) {
    report.conflicts.push_back(dir.string() +
                               " still holds files registry-operator did not write: removed its "
                               "own files and marker, left the directory to its owner");
  } else {
    report.failures.push_back(osError("remove directory", dir, errno));
  }
}

// Brings one host directory of `tree` to the wanted files, if it is ours or missing.
void syncHost(const fs::path& base, const CertsDTree& tree, const std::string& host,
              const std::string& owner, const std::string& ca_pem, NodeTrustReport& report) {
  const fs::path dir = base / host;
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0) {
    if (errno != ENOENT) {
      report.failures.push_back(osError("inspect", dir, errno));
      return;
    }
    if (auto created = createOwnedDirectory(base, host, owner); !created) {
      report.failures.push_back(created.error());
      return;
    }
    report.changes.push_back("created directory " + dir.string());
  } else if (!S_ISDIR(info.st_mode)) {
    report.conflicts.push_back(dir.string() + " exists and is not a directory: left alone");
    return;
  } else {
    auto marker = readOwnershipMarker(dir);
    if (!marker) {
      report.failures.push_back(marker.error());
      return;
    }
    if (!*marker) {
      report.conflicts.push_back(dir.string() +
                                 " exists without registry-operator's ownership marker (an "
                                 "administrator's own?): left alone");
      return;
    }
    if (**marker != owner) {
      report.conflicts.push_back(dir.string() + " belongs to RegistryConfig " + **marker +
                                 ": left alone");
      return;
    }
  }
  for (const std::string& file : tree.files) {
    const std::string content =
        file == kHostsToml ? containerdHostsToml(host, tree.dir + "/" + host + "/" + kCaFile)
                           : ca_pem;
    auto written = writeIfChanged(dir / file, content);
    if (!written) {
      report.failures.push_back(written.error());
    } else if (*written) {
      report.changes.push_back("wrote " + (dir / file).string());
    }
  }
}

// This owner's directories in `base` whose host is not in `wanted`.
void removeUnwanted(const fs::path& base, const CertsDTree& tree, const std::string& owner,
                    const std::set<std::string>& wanted, NodeTrustReport& report) {
  std::error_code error;
  std::vector<fs::path> unwanted;
  for (fs::directory_iterator it(base, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    std::error_code status_error;
    // symlink_status: a symlink to a directory is not one of ours.
    if (wanted.count(name) || !fs::is_directory(it->symlink_status(status_error))) continue;
    auto marker = readOwnershipMarker(it->path());
    if (!marker) {
      report.failures.push_back(marker.error());
    } else if (*marker && **marker == owner) {
      unwanted.push_back(it->path());
    }
  }
  if (error) {
    report.failures.push_back(osError("list", base, error.value()));
    return;  // do not remove anything from a listing that may be incomplete
  }
  std::sort(unwanted.begin(), unwanted.end());
  for (const fs::path& dir : unwanted) removeOwnedDirectory(dir, tree, report);
}

NodeTrustReport syncTrees(const std::string& root, const std::string& owner,
                          const std::vector<std::string>& hosts, const std::string& ca_pem) {
  NodeTrustReport report;
  if (auto valid = checkOwner(owner); !valid) {
    report.failures.push_back(valid.error());
    return report;
  }
  std::set<std::string> wanted;
  for (const std::string& host : hosts) {
    if (auto valid = checkRegistryHost(host); !valid) report.failures.push_back(valid.error());
    wanted.insert(host);
  }
  // Nothing is changed on bad input: a mistyped host must not make a sync remove the trust of
  // the others, nor an empty CA replace a good one.
  if (!report.ok()) return report;
  if (!wanted.empty() && ca_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    report.failures.push_back(
        kube::Error(kube::ErrorKind::Config, "the CA bundle holds no PEM certificate"));
    return report;
  }
  // The root is given, never made: a wrong --host-root must not grow a tree nobody reads.
  struct stat info {};
  if (::stat(root.c_str(), &info) != 0) {
    report.failures.push_back(osError("use host root", root, errno));
    return report;
  }
  if (!S_ISDIR(info.st_mode)) {
    report.failures.push_back(osError("use host root", root, ENOTDIR));
    return report;
  }
  for (const CertsDTree& tree : certsDTrees()) {
    const fs::path base = underRoot(root, tree.dir);
    if (wanted.empty()) {
      struct stat base_info {};
      if (::lstat(base.c_str(), &base_info) != 0 && errno == ENOENT) continue;
    } else if (auto made = runtime::makeDirectories(base); !made) {
      report.failures.push_back(made.error());
      continue;
    }
    for (const std::string& host : wanted) syncHost(base, tree, host, owner, ca_pem, report);
    removeUnwanted(base, tree, owner, wanted, report);
  }
  return report;
}

}  // namespace

const std::vector<CertsDTree>& certsDTrees() {
  static const std::vector<CertsDTree> trees = {
      {"/etc/docker/certs.d", {kCaFile}},
      {"/etc/containers/certs.d", {kCaFile}},
      // hosts.toml last: containerd never reads a hosts.toml whose CA file is not there yet.
      {"/etc/containerd/certs.d", {kCaFile, kHostsToml}},
  };
  return trees;
}

NodeTrustReport syncNodeTrust(const std::string& root, const std::string& owner,
                              const std::vector<std::string>& hosts, const std::string& ca_pem) {
  return syncTrees(root, owner, hosts, ca_pem);
}

NodeTrustReport removeNodeTrust(const std::string& root, const std::string& owner) {
  return syncTrees(root, owner, {}, {});
}

}  // namespace registry

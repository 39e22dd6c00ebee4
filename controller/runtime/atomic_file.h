#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "kube/result.h"

namespace runtime {

// Files that other programs read while we replace them (certs.d trees that podman, docker and
// containerd read at any moment): a reader sees the old file or the new one, never half of one.

// Creates `dir` and every missing parent with mode 0755, whatever the umask (the files in it are
// read by daemons running as other users). An existing non-directory on the way is an Error.
kube::Result<void> makeDirectories(const std::filesystem::path& dir);

// Writes `content` to a temporary file beside `target` (same directory, so the rename cannot
// cross file systems), sets `mode`, fsyncs it and renames it over `target`. The temporary file
// is removed on failure. Errors name `target` and the failed operation.
kube::Result<void> writeFileAtomically(const std::filesystem::path& target,
                                       const std::string& content, mode_t mode = 0644);

}  // namespace runtime

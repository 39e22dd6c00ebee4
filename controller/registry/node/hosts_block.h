#pragma once

#include <string>
#include <vector>

#include "kube/result.h"

namespace registry {

// The registry's names in a node's /etc/hosts (the nodeResolver component: the node's
// container runtime resolves N.S.svc, which the node's own resolver does not know), as one
// marked block per owner:
//   # BEGIN registry-operator <owner>
//   <ip> <name>
//   # END registry-operator <owner>
// Every other line, and every other owner's block, stays as it is.

struct HostsEntry {
  std::string ip;
  std::string name;
  bool operator==(const HostsEntry&) const = default;
};

// `content` (an /etc/hosts file) with `owner`'s block holding exactly `entries`: replaced where
// it is, appended at the end when there is none, removed when `entries` is empty. An Error when
// the owner, an entry or the file's block is malformed (a BEGIN line without its END: nothing
// after it can be told apart from the administrator's lines).
kube::Result<std::string> withHostsBlock(const std::string& content, const std::string& owner,
                                         const std::vector<HostsEntry>& entries);

// Applies withHostsBlock to the file at `path`, writing only when it changes; true when it
// wrote. The file is rewritten in place (see the .cpp). A missing file is left missing when
// there is nothing to write and an Error otherwise (its mount is missing). Errors name the path
// and the failed operation.
kube::Result<bool> syncHostsBlock(const std::string& path, const std::string& owner,
                                  const std::vector<HostsEntry>& entries);

// Removes `owner`'s block from the file at `path` (syncHostsBlock with no entries).
kube::Result<bool> removeHostsBlock(const std::string& path, const std::string& owner);

}  // namespace registry

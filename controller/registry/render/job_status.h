#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kube/object.h"
#include "registry/api/registry_config.h"

namespace registry {

// The parts of a RegistryConfig's status that the operator's jobs write themselves, each under a
// field manager of its own (server-side apply): the pruner owns status.lastPrune, each mirror's
// CronJob owns its entry of status.mirrors (a list-map keyed by name). So a job's report removes
// only what the same job reported before, and the operator's own status writes (manager
// registry-operator, see registry_status.h) never touch them. Pure; the commands send them.

inline constexpr const char* kPrunerFieldManager = "registry-operator-pruner";
// registry-operator-mirror-<name>
std::string mirrorFieldManager(std::string_view mirror_name);

// The server-side apply body for the status subresource of RegistryConfig NS/NAME.
kube::Json statusApplyBody(const std::string& ns, const std::string& name, kube::Json status);

struct PruneReport {
  std::chrono::system_clock::time_point time;  // when the run ended
  std::int64_t repositories = 0;
  std::int64_t manifests_deleted = 0;
  std::int64_t bytes_freeable = 0;
  std::string message;  // what failed; empty when the run succeeded
};

// {"lastPrune": {...}}
kube::Json lastPruneStatus(const PruneReport& report);

struct MirroredTag {
  std::string tag;
  std::string digest;     // in the target registry; empty when the tag failed
  bool imported = false;  // this run copied a new digest in
};

struct MirrorReport {
  std::string name;  // spec.mirrors[].name
  std::string source;
  std::string target;
  bool insecure = false;
  std::vector<MirroredTag> tags;
  std::chrono::system_clock::time_point time;  // when the run ended
  std::string message;  // what failed, one line per failed tag; empty when nothing failed
};

// {"mirrors": [{name, source, target, insecure, tags, lastImport, message}]}: this mirror's entry
// only. `current_status` is the CR's status as read before the report: since the job owns its
// whole entry, what it leaves out is removed, so a tag that failed this time keeps the digest it
// had, and lastImport stays the time of the last run that imported something.
kube::Json mirrorStatus(const MirrorReport& report, const kube::Json& current_status);

// The names of status.mirrors entries whose mirror is no longer in spec.mirrors. Nothing runs
// their CronJob any more, so the operator removes them (an empty apply as the entry's manager).
std::vector<std::string> staleMirrorEntries(const kube::Json& status, const RegistryConfig& config);

}  // namespace registry

#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "kube/result.h"
#include "oci/mirror_image.h"

namespace cmd {

// Where `registry-operator mirror` reports a run: the flags --report-status NS/N and
// --mirror-name NAME, which the operator renders into each mirror CronJob.
struct MirrorReportTarget {
  std::string namespace_name;  // NS: the RegistryConfig's namespace
  std::string name;            // N: the RegistryConfig
  std::string mirror_name;     // its spec.mirrors[].name, the key of status.mirrors[]
};

// A tag that could not be copied, and why (one line, no secret: the registry client's errors
// quote no credential).
struct FailedTag {
  std::string tag;
  std::string message;
};

// What one run did, as its JSON summary says it.
struct MirrorRun {
  std::string source;                  // --source, as given
  std::string target_repository;       // --target-repository
  std::vector<oci::MirroredTag> tags;  // copied (imported) or already there (not imported)
  std::vector<FailedTag> failed;
  std::chrono::system_clock::time_point finished;
};

// Writes the run into the RegistryConfig's status.mirrors[] entry of `target.mirror_name`.
// Called once per run, after the summary is printed, only when --report-status is given. A
// failure is printed and makes the run exit 1 when it would otherwise exit 0.
//
// TODO(status reporting): not implemented yet. It returns success and reports nothing; the
// status reporting is written after this branch is merged.
kube::Result<void> reportMirrorRun(const MirrorReportTarget& target, const MirrorRun& run);

}  // namespace cmd

#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cmd/status_report.h"
#include "kube/result.h"
#include "oci/mirror_image.h"
#include "registry/render/job_status.h"

namespace cmd {

// A tag that could not be copied, and why (one line, no secret: the registry client's errors
// quote no credential).
struct FailedTag {
  std::string tag;
  std::string message;
};

// What one run of `registry-operator mirror` did, as its JSON summary says it.
struct MirrorRun {
  std::string source;                  // --source, as given
  std::string target_repository;       // --target-repository
  std::vector<oci::MirroredTag> tags;  // copied (imported) or already there (not imported)
  std::vector<FailedTag> failed;
  std::chrono::system_clock::time_point finished;
};

// The run as its status.mirrors[] entry tells it (`mirror_name` is spec.mirrors[].name): the
// copied and unchanged tags with their digests, the failed ones without (mirrorStatus keeps
// what they had), and one "tag: why" per failed tag in the message.
registry::MirrorReport mirrorReportOf(const std::string& mirror_name, const MirrorRun& run,
                                      bool insecure);

// Writes the run into the RegistryConfig's status.mirrors[] entry `mirror_name`, as that
// mirror's field manager, after reading the entry as it is (job_status.h says why).
kube::Result<void> reportMirrorRun(const StatusReporter& reporter, const std::string& mirror_name,
                                   const MirrorRun& run, bool insecure);

}  // namespace cmd

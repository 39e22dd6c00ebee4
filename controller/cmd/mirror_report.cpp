#include "cmd/mirror_report.h"

namespace cmd {

registry::MirrorReport mirrorReportOf(const std::string& mirror_name, const MirrorRun& run,
                                      bool insecure) {
  registry::MirrorReport report;
  report.name = mirror_name;
  report.source = run.source;
  report.target = run.target_repository;
  report.insecure = insecure;
  report.time = run.finished;
  for (const oci::MirroredTag& tag : run.tags) {
    report.tags.push_back({tag.tag, tag.digest, tag.imported});
  }
  for (const FailedTag& tag : run.failed) {
    report.tags.push_back({tag.tag, "", false});
    report.message += (report.message.empty() ? "" : "; ") + tag.tag + ": " + tag.message;
  }
  return report;
}

kube::Result<void> reportMirrorRun(const StatusReporter& reporter, const std::string& mirror_name,
                                   const MirrorRun& run, bool insecure) {
  auto current = reporter.currentStatus();
  if (!current) return current.error();
  return reporter.apply(
      registry::mirrorFieldManager(mirror_name),
      registry::mirrorStatus(mirrorReportOf(mirror_name, run, insecure), *current));
}

}  // namespace cmd

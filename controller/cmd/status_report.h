#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kube/api.h"
#include "kube/result.h"

namespace cmd {

// `--report-status NAMESPACE/NAME` of the operator's jobs (prune, mirror): reads the
// RegistryConfig and applies the job's own part of its status (registry/render/job_status.h)
// with the pod's ServiceAccount (N-jobs, whose Role allows exactly this).
class StatusReporter {
 public:
  // `target` is "NAMESPACE/NAME"; error kind Config for another form or a cluster configuration
  // that does not load. The connection is made now, so a broken one shows before the job's work.
  static kube::Result<StatusReporter> connect(std::string_view target,
                                              const std::string& kubeconfig = {});

  // connect(target) when `target` is not empty (the flag was given), else no reporter.
  static kube::Result<std::optional<StatusReporter>> connectIfAsked(std::string_view target);

  const std::string& target() const { return target_; }
  // The CR's status as it is now ({} when it has none).
  kube::Result<kube::Json> currentStatus() const;
  // Server-side apply of `status` to the status subresource as `field_manager`.
  kube::Result<void> apply(const std::string& field_manager, kube::Json status) const;

 private:
  StatusReporter(kube::Api api, std::string ns, std::string name);

  kube::Api api_;
  std::string ns_;
  std::string name_;
  std::string target_;
};

}  // namespace cmd

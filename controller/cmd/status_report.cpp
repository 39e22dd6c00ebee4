#include "cmd/status_report.h"

#include "cmd/cluster_client.h"
#include "registry/api/registry_resource.h"
#include "registry/render/job_status.h"

namespace cmd {

StatusReporter::StatusReporter(kube::Api api, std::string ns, std::string name)
    : api_(std::move(api)),
      ns_(std::move(ns)),
      name_(std::move(name)),
      target_(ns_ + "/" + name_) {}

kube::Result<StatusReporter> StatusReporter::connect(std::string_view target,
                                                     const std::string& kubeconfig) {
  const auto slash = target.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == target.size() ||
      target.find('/', slash + 1) != std::string_view::npos) {
    return kube::Error(kube::ErrorKind::Config,
                       "--report-status \"" + std::string(target) + "\" is not NAMESPACE/NAME");
  }
  auto client = connectToCluster(kubeconfig);
  if (!client) return client.error();
  std::string ns(target.substr(0, slash));
  kube::Api api(*client, registry::registryConfigResource(), ns);
  return StatusReporter(std::move(api), std::move(ns), std::string(target.substr(slash + 1)));
}

kube::Result<std::optional<StatusReporter>> StatusReporter::connectIfAsked(
    std::string_view target) {
  if (target.empty()) return std::optional<StatusReporter>();
  auto reporter = connect(target);
  if (!reporter) return reporter.error();
  return std::optional<StatusReporter>(std::move(*reporter));
}

kube::Result<kube::Json> StatusReporter::currentStatus() const {
  auto cr = api_.get(name_);
  if (!cr) return cr.error().withContext("reading RegistryConfig " + target_);
  return kube::at(*cr, "/status", kube::Json::object());
}

kube::Result<void> StatusReporter::apply(const std::string& field_manager,
                                         kube::Json status) const {
  kube::ApplyParams params;
  params.field_manager = field_manager;
  auto applied = api_.applyStatus(registry::statusApplyBody(ns_, name_, std::move(status)), params);
  if (!applied) return applied.error().withContext("reporting in the status of " + target_);
  return {};
}

}  // namespace cmd

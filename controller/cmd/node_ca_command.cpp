// `registry-operator node-ca`: on every node (DaemonSet N-node-ca), keeps the container tools'
// trust of the registry's CA, and optionally the registry's names in /etc/hosts, in step with
// ConfigMap N-ca; removes them when the registry is gone.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <set>

#include "cmd/cluster_client.h"
#include "cmd/commands.h"
#include "cmd/logging.h"
#include "cmd/options.h"
#include "kube/client.h"
#include "registry/api/duration.h"
#include "registry/node/ca_bundle_file.h"
#include "registry/node/hosts_block.h"
#include "registry/node/node_names.h"
#include "registry/node/node_trust.h"
#include "registry/node/removal_decision.h"
#include "runtime/signals.h"

namespace cmd {

namespace po = boost::program_options;

namespace {

// Within the default 30 s termination grace period, with time left to remove the files.
constexpr std::chrono::seconds kStopQueryTimeout{10};

int usageError(const std::string& message) {
  std::cerr << "registry-operator node-ca: " << message << "\n";
  return 2;
}

struct NodeCaOptions {
  std::string root;
  std::string owner;
  std::string caFile;
  std::vector<std::string> hosts;
  std::vector<registry::HostsEntry> resolve;
  std::string hostsFile;  // <root>/etc/hosts
};

// One sync, logging what changed. Conflicts are logged when they first appear (or change), not
// at every interval. Returns false when anything failed.
class NodeSync {
 public:
  explicit NodeSync(NodeCaOptions options) : options_(std::move(options)) {}

  bool syncOnce() {
    bool ok = true;
    // The DaemonSet stays for the other component, and the rolled pod is the one left to clean
    // up what this component wrote before.
    if (options_.hosts.empty()) {
      ok = logReport(registry::removeNodeTrust(options_.root, options_.owner));
      return syncHosts(options_.resolve) && ok;
    }
    auto bundle = registry::readCaBundleFile(options_.caFile);
    if (!bundle) {
      spdlog::error("{}; the node's CA files are left as they are", bundle.error().message());
      ok = false;
    } else {
      ok = logReport(
          registry::syncNodeTrust(options_.root, options_.owner, options_.hosts, *bundle));
    }
    return syncHosts(options_.resolve) && ok;
  }

  bool removeAll() {
    bool ok = logReport(registry::removeNodeTrust(options_.root, options_.owner));
    return syncHosts({}) && ok;
  }

 private:
  bool logReport(const registry::NodeTrustReport& report) {
    for (const std::string& change : report.changes) spdlog::info("{}", change);
    std::set<std::string> conflicts(report.conflicts.begin(), report.conflicts.end());
    if (conflicts != conflicts_) {
      for (const std::string& conflict : conflicts) spdlog::warn("{}", conflict);
      conflicts_ = std::move(conflicts);
    }
    for (const kube::Error& failure : report.failures) spdlog::error("{}", failure.message());
    return report.ok();
  }

  // The hosts block is kept only where the file exists: the node's /etc/hosts is mounted only
  // with the nodeResolver component, and a block left from when it was on is removed here.
  bool syncHosts(const std::vector<registry::HostsEntry>& entries) {
    auto changed = registry::syncHostsBlock(options_.hostsFile, options_.owner, entries);
    if (!changed) {
      spdlog::error("{}", changed.error().message());
      return false;
    }
    if (*changed) {
      spdlog::info("{} the registry-operator {} block of {}", entries.empty() ? "removed" : "wrote",
                   options_.owner, options_.hostsFile);
    }
    return true;
  }

  NodeCaOptions options_;
  std::set<std::string> conflicts_;
};

}  // namespace

int runNodeCa(int argc, char** argv) {
  // First, before any thread exists: every later thread inherits the blocked signal mask.
  kube::CancelToken cancel;
  runtime::SignalHandler signals(cancel);

  po::options_description options("Options");
  NodeCaOptions node;
  std::vector<std::string> resolve;
  std::string interval_text, daemon_set, kubeconfig, log_level, log_format;
  options.add_options()("help,h", "show this help")(
      "host-root", po::value(&node.root)->required(),
      "the node's / as mounted in this pod (e.g. /host)")(
      "owner", po::value(&node.owner)->required(),
      "NAMESPACE/NAME of the RegistryConfig the files belong to")(
      "ca-file", po::value(&node.caFile),
      "the CA bundle to trust (ConfigMap N-ca mounted as a volume), re-read at every sync; "
      "required with --host")(
      "host", po::value(&node.hosts)->composing(),
      "a registry host[:port] to trust the CA for (repeatable); none: this owner's CA files are "
      "removed (the nodeCA component was switched off)")(
      "resolve", po::value(&resolve)->composing(),
      "NAME=IP to keep in the node's /etc/hosts (repeatable; nodeResolver)")(
      "interval", po::value(&interval_text)->default_value("10s"),
      "time between syncs (e.g. 10s, 1m)")("once", po::bool_switch(), "sync once and exit")(
      "daemonset", po::value(&daemon_set),
      "NAMESPACE/NAME of the DaemonSet running this pod: on SIGTERM, the files are removed only "
      "when it is gone or being deleted")(
      "kubeconfig", po::value(&kubeconfig),
      "kubeconfig file for --daemonset (default: $KUBECONFIG, in-cluster, ~/.kube/config)")(
      "log-level", po::value(&log_level)->default_value("info"), "error|warn|info|debug|trace")(
      "log-format", po::value(&log_format)->default_value("text"), "text|json");
  po::variables_map vars;
  if (auto exit = parseOptions(
          argc, argv, options, vars,
          "Usage: registry-operator node-ca --host-root DIR --owner NAMESPACE/NAME\n"
          "         [--ca-file F --host H [--host H ...]] [--resolve NAME=IP ...] [--interval "
          "10s]\n"
          "         [--once] [--daemonset NAMESPACE/NAME] [--kubeconfig K]\n\n"
          "Writes the CA of F for every host H where the node's container tools look for it:\n"
          "DIR/etc/docker/certs.d/H/ca.crt, DIR/etc/containers/certs.d/H/ca.crt and\n"
          "DIR/etc/containerd/certs.d/H/{ca.crt,hosts.toml}, and keeps the --resolve names in a\n"
          "marked block of DIR/etc/hosts; then again every interval. Only directories and blocks\n"
          "it made for this owner are ever changed or removed: without --host its CA files go,\n"
          "without --resolve its hosts block.")) {
    return *exit;
  }
  if (auto valid = registry::checkOwner(node.owner); !valid) {
    return usageError("--owner: " + valid.error().message());
  }
  for (const std::string& host : node.hosts) {
    if (auto valid = registry::checkRegistryHost(host); !valid) {
      return usageError("--host: " + valid.error().message());
    }
  }
  for (const std::string& pair : resolve) {
    const auto equals = pair.find('=');
    if (equals == std::string::npos) return usageError("--resolve \"" + pair + "\" is not NAME=IP");
    registry::HostsEntry entry{pair.substr(equals + 1), pair.substr(0, equals)};
    if (auto valid = registry::checkHostsEntry(entry.ip, entry.name); !valid) {
      return usageError("--resolve: " + valid.error().message());
    }
    node.resolve.push_back(std::move(entry));
  }
  const auto interval = registry::parseDuration(interval_text);
  if (!interval || interval->count() <= 0) {
    return usageError("--interval \"" + interval_text + "\" is not a duration such as 10s or 1m");
  }
  std::string ds_namespace, ds_name;
  if (vars.count("daemonset")) {
    const auto slash = daemon_set.find('/');
    if (auto valid = registry::checkOwner(daemon_set); !valid) {
      return usageError("--daemonset \"" + daemon_set + "\" is not NAMESPACE/NAME");
    }
    ds_namespace = daemon_set.substr(0, slash);
    ds_name = daemon_set.substr(slash + 1);
  }
  if (node.root.empty()) return usageError("--host-root must not be empty");
  if (!node.hosts.empty() && node.caFile.empty()) return usageError("--host needs --ca-file");
  if (auto logging = setupLogging(log_level, log_format); !logging) {
    return usageError(logging.error().message());
  }
  node.hostsFile = (std::filesystem::path(node.root) / "etc/hosts").string();

  // The client is made at start so that a broken configuration shows now, not at the stop that
  // needs it.
  kube::ClientPtr client;
  if (!ds_name.empty()) {
    auto created = connectToCluster(kubeconfig);
    if (!created) {
      spdlog::error("{}", created.error().message());
      return 1;
    }
    client = *created;
  }

  spdlog::info("node-ca for {}: {} host(s) under {}, every {}", node.owner, node.hosts.size(),
               node.root, interval_text);
  NodeSync sync(node);
  const bool once = vars["once"].as<bool>();
  // A failed sync is retried at the next interval: the CA file may be between two kubelet
  // updates, the node's disk briefly full. Only --once reports it in its exit status.
  bool ok = sync.syncOnce();
  if (once) return ok ? 0 : 1;
  while (cancel.sleepFor(*interval)) sync.syncOnce();

  if (!client) {
    spdlog::info("stopping; the node's CA files stay (no --daemonset to ask whether they go)");
    return 0;
  }
  const registry::RemovalDecision decision =
      registry::decideRemovalOnStop(client, ds_namespace, ds_name, kStopQueryTimeout, {});
  if (!decision.remove) {
    spdlog::info("stopping: {}", decision.reason);
    return 0;
  }
  spdlog::info("stopping: {}: removing {}'s CA files and hosts block", decision.reason, node.owner);
  return sync.removeAll() ? 0 : 1;
}

}  // namespace cmd

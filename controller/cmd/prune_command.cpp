// `registry-operator prune`: deletes old tags' manifests from a registry through its HTTP API
// v2, as the pruner CronJob runs it (registry/render/build_pruner.cpp).
#include <chrono>
#include <fstream>
#include <iostream>

#include "cmd/commands.h"
#include "cmd/logging.h"
#include "cmd/options.h"
#include "cmd/registry_access.h"
#include "cmd/status_report.h"
#include "kube/object.h"
#include "oci/collect_inventory.h"
#include "oci/prune_plan.h"
#include "oci/registry_client.h"
#include "oci/registry_error.h"
#include "registry/api/duration.h"
#include "registry/render/job_status.h"
#include "runtime/time_format.h"

namespace cmd {

namespace po = boost::program_options;

namespace {

// Prune's own exit code; 0 to 4 are registry_access.h's, shared with mirror.
constexpr int kExitDeletionDisabled = 5;

int exitCodeFor(const kube::Error& error) {
  if (oci::isDeletionDisabled(error)) return kExitDeletionDisabled;
  return registryExitCode(error, kExitFailure);
}

void say(const std::string& line) { std::cerr << "prune: " << oneLine(line) << "\n"; }

int fail(const kube::Error& error) {
  say("error: " + error.message());
  return exitCodeFor(error);
}

std::string shortDigest(const std::string& digest) {
  return digest.size() > 19 ? digest.substr(0, 19) + "..." : digest;
}

std::string describe(const oci::PlannedManifest& manifest) {
  std::string tags;
  for (const std::string& tag : manifest.tags) tags += (tags.empty() ? "" : ", ") + tag;
  return shortDigest(manifest.digest) + " (" + (tags.empty() ? "untagged" : "tags " + tags) +
         "): " + manifest.reason;
}

void printPlan(const oci::PrunePlan& plan) {
  std::size_t touched = 0;
  for (const oci::RepositoryPlan& repository : plan.repositories) {
    if (!repository.deletions.empty()) ++touched;
    for (const auto& manifest : repository.deletions) {
      say(repository.name + ": delete " + describe(manifest));
    }
    for (const auto& manifest : repository.kept) {
      say(repository.name + ": keep   " + describe(manifest));
    }
  }
  say("plan: delete " + std::to_string(plan.deletionCount()) + " manifests in " +
      std::to_string(touched) + " of " + std::to_string(plan.repositories.size()) +
      " repositories; " + std::to_string(plan.bytes_freeable) +
      " bytes of blobs only they reference");
}

std::string summaryLine(const oci::PrunePlan& plan, std::size_t deleted, bool dry_run) {
  return kube::Json{{"repositories", plan.repositories.size()},
                    {"manifestsDeleted", deleted},
                    {"bytesFreeable", plan.bytes_freeable},
                    {"dryRun", dry_run}}
      .dump();
}

}  // namespace

int runPrune(int argc, char** argv) {
  po::options_description options("Options");
  std::string registry_url, ca_file, username, password_file, keep_younger_than, summary_file,
      report_status;
  std::int64_t keep_tag_revisions = -1;
  bool dry_run = false;
  options.add_options()("help,h", "show this help")(
      "registry", po::value(&registry_url)->required(),
      "the registry's URL, https://host:port or http://host:port")(
      "ca-file", po::value(&ca_file),
      "PEM CA certificates to trust instead of the system's, for the registry and its token "
      "server")("username", po::value(&username), "user name for Basic or token authentication")(
      "password-file", po::value(&password_file),
      "file holding the password (one trailing newline is ignored)")(
      "keep-tag-revisions", po::value(&keep_tag_revisions)->required(),
      "keep the N newest tags of each repository (by image creation time)")(
      "keep-younger-than", po::value(&keep_younger_than)->required(),
      "keep every tag younger than this duration (e.g. 60m, 1h30m, 90s)")(
      "dry-run", po::bool_switch(&dry_run), "print the plan and delete nothing")(
      "summary-file", po::value(&summary_file),
      "also write the JSON summary line to this file (e.g. /dev/termination-log)")(
      "report-status", po::value(&report_status),
      "NAMESPACE/NAME: also write the outcome to that RegistryConfig's status.lastPrune (with "
      "$KUBECONFIG or the pod's ServiceAccount)");
  po::variables_map vars;
  if (auto exit = parseOptions(
          argc, argv, options, vars,
          "Usage: registry-operator prune --registry URL [--ca-file F]\n"
          "         [--username U --password-file F] --keep-tag-revisions N\n"
          "         --keep-younger-than D [--dry-run] [--summary-file F]\n"
          "         [--report-status NAMESPACE/NAME]\n\n"
          "Deletes, by digest, the manifests of the tags that are neither among the N newest of\n"
          "their repository nor younger than D, through the registry's HTTP API v2. A digest a\n"
          "kept tag or kept index still needs is never deleted. Tags whose creation time cannot\n"
          "be read are kept. Manifests without a tag are not listed by the API and are left\n"
          "alone. Blobs are not removed: run the registry's garbage-collect while it takes no\n"
          "writes to free their space.\n\n"
          "The plan and progress go to stderr; last, one JSON line goes to stdout (and to\n"
          "--summary-file): {\"repositories\":..,\"manifestsDeleted\":..,\"bytesFreeable\":..,\n"
          "\"dryRun\":..}, bytesFreeable being the size of the blobs only deleted manifests\n"
          "reference. It is written once the plan is made, also when a deletion then fails.\n"
          "With --report-status the same figures, the time and any error go to the\n"
          "RegistryConfig's status.lastPrune (field manager registry-operator-pruner); a report\n"
          "that cannot be written fails the run.\n\n"
          "Exit codes: 0 done, 1 other failure, 2 usage, 3 registry unreachable,\n"
          "4 authentication refused, 5 deletion disabled in the registry (405; set\n"
          "storage.delete.enabled).")) {
    return *exit;
  }
  auto usage = [](const std::string& message) {
    std::cerr << "registry-operator prune: " << message << "\n";
    return kExitUsage;
  };
  if (keep_tag_revisions < 0) return usage("--keep-tag-revisions must be 0 or more");
  auto max_age = registry::parseDuration(keep_younger_than);
  if (!max_age) {
    return usage("--keep-younger-than \"" + keep_younger_than +
                 "\" is not a duration such as 60m, 1h30m or 90s");
  }
  if (username.empty() != password_file.empty()) {
    return usage("--username and --password-file go together");
  }
  if (vars.count("summary-file") && summary_file.empty()) {
    return usage("--summary-file must name a file");
  }
  if (dry_run && !report_status.empty()) {
    return usage("--dry-run deletes nothing, so it has nothing for --report-status to report");
  }
  if (auto logging = setupLogging("warn", "text"); !logging) return fail(logging.error());

  // Connected first, so that a job that cannot report fails before it changes anything.
  auto reporter = StatusReporter::connectIfAsked(report_status);
  if (!reporter) return fail(reporter.error());
  registry::PruneReport report;
  // Every way out once the work began: the outcome goes to the status when asked, and a report
  // that cannot be written turns a success into a failure (nobody would see the run otherwise).
  auto finish = [&](int code, const std::optional<kube::Error>& failure) {
    if (!*reporter) return code;
    report.time = std::chrono::system_clock::now();
    report.message = failure ? oneLine(failure->message()) : "";
    auto reported =
        (*reporter)->apply(registry::kPrunerFieldManager, registry::lastPruneStatus(report));
    if (!reported) {
      say("error: " + reported.error().message());
      return code == kExitDone ? kExitFailure : code;
    }
    say("reported in the status of " + (*reporter)->target());
    return code;
  };

  auto transports = registryTransports(ca_file);
  if (!transports) return finish(fail(transports.error()), transports.error());
  oci::Credentials credentials;
  if (!username.empty()) {
    auto password = readPasswordFile(password_file);
    if (!password) return finish(fail(password.error()), password.error());
    credentials = oci::Credentials{username, std::move(*password)};
  }
  auto client =
      oci::RegistryClient::create(registry_url, std::move(credentials), std::move(*transports));
  if (!client) return usage("--registry: " + client.error().message());

  const oci::PrunePolicy policy{keep_tag_revisions, *max_age, std::chrono::system_clock::now()};
  say("registry " + (*client)->origin() + ": keeping the " + std::to_string(keep_tag_revisions) +
      " newest tags of each repository and every tag younger than " + keep_younger_than + " (now " +
      runtime::formatTime(policy.now) + ")" + (dry_run ? ", dry run" : ""));
  auto inventory = oci::collectInventory(**client, say);
  if (!inventory) return finish(fail(inventory.error()), inventory.error());
  const oci::PrunePlan plan = oci::planPrune(*inventory, policy);
  report.repositories = static_cast<std::int64_t>(plan.repositories.size());
  report.bytes_freeable = static_cast<std::int64_t>(plan.bytes_freeable);
  printPlan(plan);

  std::size_t deleted = 0;
  std::optional<kube::Error> failure;
  if (dry_run) {
    say("dry run: nothing deleted");
  } else {
    for (const oci::RepositoryPlan& repository : plan.repositories) {
      for (const oci::PlannedManifest& manifest : repository.deletions) {
        auto removed = (*client)->deleteManifest(repository.name, manifest.digest);
        if (!removed && removed.error().is(kube::ErrorKind::NotFound)) {
          say("already gone: " + repository.name + "@" + manifest.digest);
          continue;
        }
        if (!removed) {
          failure = removed.error();
          break;
        }
        ++deleted;
        report.manifests_deleted = static_cast<std::int64_t>(deleted);
        say("deleted " + repository.name + "@" + manifest.digest);
      }
      if (failure) break;
    }
  }

  if (auto written = writeSummary(summaryLine(plan, deleted, dry_run), summary_file);
      !written && !failure) {
    failure = written.error();
  }
  if (failure) {
    if (oci::isDeletionDisabled(*failure)) {
      say("the registry refuses deletes: run it with storage.delete.enabled: true");
    }
    return finish(fail(*failure), failure);
  }
  return finish(kExitDone, std::nullopt);
}

}  // namespace cmd

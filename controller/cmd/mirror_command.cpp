// `registry-operator mirror`: copies tags of an upstream image into the operator's registry, as
// each mirror CronJob runs it (OKD's ImageStream scheduled import).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <utility>

#include "cmd/commands.h"
#include "cmd/logging.h"
#include "cmd/mirror_report.h"
#include "cmd/options.h"
#include "cmd/registry_access.h"
#include "cmd/status_report.h"
#include "kube/object.h"
#include "oci/docker_config.h"
#include "oci/image_reference.h"
#include "oci/mirror_image.h"
#include "oci/names.h"
#include "oci/registry_client.h"

namespace cmd {

namespace po = boost::program_options;

namespace {

// The exit codes are registry_access.h's, shared with prune.

void say(const std::string& line) { std::cerr << "mirror: " << oneLine(line) << "\n"; }

int fail(const kube::Error& error) {
  say("error: " + error.message());
  return registryExitCode(error, kExitFailure);
}

// Of several failed tags, the exit code that tells the most: a registry that cannot be reached
// (3) before one that refuses us (4), before anything else (1).
int worst(int a, int b) {
  auto rank = [](int code) {
    return code == kExitRegistryUnreachable    ? 3
           : code == kExitRegistryUnauthorized ? 2
           : code != kExitDone                 ? 1
                                               : 0;
  };
  return rank(b) > rank(a) ? b : a;
}

std::string summaryLine(const MirrorRun& run, bool insecure) {
  kube::Json tags = kube::Json::array();
  for (const oci::MirroredTag& tag : run.tags) {
    tags.push_back({{"tag", tag.tag},
                    {"digest", tag.digest},
                    {"imported", tag.imported},
                    {"blobsCopied", tag.blobs_copied},
                    {"blobsMounted", tag.blobs_mounted},
                    {"bytesCopied", tag.bytes_copied}});
  }
  kube::Json failed = kube::Json::array();
  for (const FailedTag& tag : run.failed) {
    failed.push_back({{"tag", tag.tag}, {"message", tag.message}});
  }
  return kube::Json{{"source", run.source},
                    {"target", run.target_repository},
                    {"insecure", insecure},
                    {"tags", std::move(tags)},
                    {"failed", std::move(failed)}}
      .dump(-1, ' ', false, kube::Json::error_handler_t::replace);
}

}  // namespace

int runMirror(int argc, char** argv) {
  po::options_description options("Options");
  std::string source, target_url, target_repository, target_ca_file, source_ca_file;
  std::string pull_secret_file, report_status, mirror_name, summary_file;
  std::string target_username, target_password_file;
  std::vector<std::string> tags, mount_from;
  bool source_insecure = false;
  options.add_options()("help,h", "show this help")(
      "source", po::value(&source)->required(),
      "the upstream repository, without tag or digest, as docker reads it: busybox, "
      "quay.io/team/app, localhost:5000/app")("target", po::value(&target_url)->required(),
                                              "the operator's registry, https://N.S.svc:5000")(
      "target-repository", po::value(&target_repository)->required(),
      "the repository to copy into, e.g. mirror/busybox")(
      "tag", po::value(&tags)->required(), "a tag to copy (repeat the flag for more)")(
      "target-ca-file", po::value(&target_ca_file),
      "PEM CA certificates to trust for the target instead of the system's")(
      "target-username", po::value(&target_username),
      "user name for the target (Basic or token authentication)")(
      "target-password-file", po::value(&target_password_file),
      "file holding the target user's password (one trailing newline is ignored)")(
      "source-insecure", po::bool_switch(&source_insecure),
      "speak plain http:// to the source (no TLS at all)")(
      "source-ca-file", po::value(&source_ca_file),
      "PEM CA certificates to trust for the source (and its token server) instead of the "
      "system's")("pull-secret-file", po::value(&pull_secret_file),
                  "a .dockerconfigjson whose credentials for the source's host are used")(
      "mount-from", po::value(&mount_from),
      "a repository of the target to mount missing blobs from before copying them (repeatable)")(
      "report-status", po::value(&report_status),
      "NS/N: the RegistryConfig whose status.mirrors[] gets this run")(
      "mirror-name", po::value(&mirror_name),
      "the mirror's name in that status (with "
      "--report-status)")(
      "summary-file", po::value(&summary_file),
      "also write the JSON summary line to this file (e.g. /dev/termination-log)");
  po::variables_map vars;
  if (auto exit = parseOptions(
          argc, argv, options, vars,
          "Usage: registry-operator mirror --source SOURCE --target URL\n"
          "         --target-repository REPO --tag T [--tag T ...] [--target-ca-file F]\n"
          "         [--target-username U --target-password-file F]\n"
          "         [--source-insecure | --source-ca-file F] [--pull-secret-file F]\n"
          "         [--mount-from REPO ...] [--report-status NS/N --mirror-name NAME]\n"
          "         [--summary-file F]\n\n"
          "Copies each tag of SOURCE into REPO of the target registry with the same digest, as\n"
          "OKD's ImageStream import does: a tag whose digest the target already has is left\n"
          "alone (imported: false); otherwise the blobs the target lacks are mounted from a\n"
          "--mount-from repository when one has them, else read from the source, checked\n"
          "against their digest and uploaded; then the manifests (an index's children first)\n"
          "are put byte for byte. Each tag is tried even when an earlier one failed; a pull\n"
          "secret or CA file that cannot be read fails every tag. Each blob is held in memory\n"
          "while it is copied.\n\n"
          "Progress goes to stderr; last, one JSON line goes to stdout (and to --summary-file):\n"
          "{\"source\":..,\"target\":\"REPO\",\"insecure\":..,\"tags\":[{\"tag\":..,\"digest\":..,"
          "\n"
          "\"imported\":..,\"blobsCopied\":..,\"blobsMounted\":..,\"bytesCopied\":..}],\n"
          "\"failed\":[{\"tag\":..,\"message\":..}]}.\n\n"
          "Exit codes: 0 every tag done, 1 a tag failed or another failure, 2 usage, 3 a\n"
          "registry unreachable (also an untrusted certificate), 4 authentication refused.\n"
          "When tags fail for different reasons, 3 wins over 4, and 4 over 1.")) {
    return *exit;
  }
  auto usage = [](const std::string& message) {
    std::cerr << "registry-operator mirror: " << message << "\n";
    return kExitUsage;
  };
  auto reference = oci::parseImageReference(source);
  if (!reference) return usage("--source: " + reference.error().message());
  if (!oci::isValidRepositoryName(target_repository)) {
    return usage("--target-repository \"" + target_repository + "\" is not a repository name");
  }
  std::vector<std::string> unique_tags;
  for (const std::string& tag : tags) {
    if (!oci::isValidTag(tag)) return usage("--tag \"" + tag + "\" is not a tag");
    if (std::find(unique_tags.begin(), unique_tags.end(), tag) == unique_tags.end()) {
      unique_tags.push_back(tag);
    }
  }
  for (const std::string& from : mount_from) {
    if (!oci::isValidRepositoryName(from)) {
      return usage("--mount-from \"" + from + "\" is not a repository name");
    }
  }
  if (source_insecure && !source_ca_file.empty()) {
    return usage("--source-insecure and --source-ca-file exclude each other");
  }
  if (target_username.empty() != target_password_file.empty()) {
    return usage("--target-username and --target-password-file go together");
  }
  if (vars.count("report-status") != vars.count("mirror-name")) {
    return usage("--report-status and --mirror-name go together");
  }
  if (vars.count("summary-file") && summary_file.empty()) {
    return usage("--summary-file must name a file");
  }
  // Only the URL is checked here: a client makes no transport before its first request.
  if (auto checked = oci::RegistryClient::create(target_url, {}, {}); !checked) {
    return usage("--target: " + checked.error().message());
  }
  if (auto logging = setupLogging("warn", "text"); !logging) return fail(logging.error());
  // Connected first, so that a job that cannot report fails before it copies anything.
  auto reporter = StatusReporter::connectIfAsked(report_status);
  if (!reporter) return fail(reporter.error());

  // The clients, with the pull secret's credentials and the CA files' trust. A failure here (an
  // unreadable or malformed file) fails every tag alike, so that the summary and the status say
  // why nothing was copied.
  using Clients =
      std::pair<std::unique_ptr<oci::RegistryClient>, std::unique_ptr<oci::RegistryClient>>;
  auto connect = [&]() -> kube::Result<Clients> {
    oci::Credentials credentials;
    if (!pull_secret_file.empty()) {
      auto text = readFile(pull_secret_file, "pull secret file");
      if (!text) return text.error();
      auto config = oci::parseDockerConfig(*text, pull_secret_file);
      if (!config) return config.error();
      if (auto found = oci::credentialsFor(*config, reference->host)) {
        credentials = std::move(*found);
      } else {
        say("the pull secret has no credentials for " + reference->host + ": anonymous");
      }
    }
    auto source_transports = registryTransports(source_ca_file);
    if (!source_transports) return source_transports.error();
    auto target_transports = registryTransports(target_ca_file);
    if (!target_transports) return target_transports.error();
    const std::string source_url = (source_insecure ? "http://" : "https://") + reference->api_host;
    auto source_client = oci::RegistryClient::create(source_url, std::move(credentials),
                                                     std::move(*source_transports));
    if (!source_client) return source_client.error();
    oci::Credentials target_credentials;
    if (!target_username.empty()) {
      auto password = readPasswordFile(target_password_file);
      if (!password) return password.error();
      target_credentials = oci::Credentials{target_username, std::move(*password)};
    }
    auto target_client = oci::RegistryClient::create(target_url, std::move(target_credentials),
                                                     std::move(*target_transports));
    if (!target_client) return target_client.error();
    return Clients(std::move(*source_client), std::move(*target_client));
  };

  MirrorRun run{source, target_repository, {}, {}, {}};
  int exit_code = kExitDone;
  auto clients = connect();
  if (!clients) {
    say("error: " + clients.error().message());
    for (const std::string& tag : unique_tags) {
      run.failed.push_back({tag, oneLine(clients.error().message())});
    }
    exit_code = registryExitCode(clients.error(), kExitFailure);
  } else {
    auto& [source_client, target_client] = *clients;
    const oci::MirrorRoute route{source_client.get(), reference->repository, target_client.get(),
                                 target_repository, mount_from};
    say("from " + reference->name() + " (" + source_client->origin() + ") to " +
        target_client->origin() + "/" + target_repository + ": " +
        std::to_string(unique_tags.size()) + " tags");
    for (const std::string& tag : unique_tags) {
      auto mirrored = oci::mirrorTag(route, tag, say);
      if (mirrored) {
        run.tags.push_back(std::move(*mirrored));
        continue;
      }
      say(tag + ": failed: " + mirrored.error().message());
      run.failed.push_back({tag, oneLine(mirrored.error().message())});
      exit_code = worst(exit_code, registryExitCode(mirrored.error(), kExitFailure));
    }
  }
  run.finished = std::chrono::system_clock::now();
  say(std::to_string(run.tags.size()) + " of " + std::to_string(unique_tags.size()) +
      " tags done, " + std::to_string(run.failed.size()) + " failed");

  if (auto written = writeSummary(summaryLine(run, source_insecure), summary_file); !written) {
    say("error: " + written.error().message());
    exit_code = worst(exit_code, kExitFailure);
  }
  if (*reporter) {
    if (auto reported = reportMirrorRun(**reporter, mirror_name, run, source_insecure); !reported) {
      say("error: " + reported.error().message());
      exit_code = worst(exit_code, kExitFailure);
    } else {
      say("reported in the status of " + (*reporter)->target());
    }
  }
  return exit_code;
}

}  // namespace cmd

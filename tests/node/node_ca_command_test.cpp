// `registry-operator node-ca` run as the DaemonSet runs it: the built binary, as a process,
// against a temporary host root.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>

#include "node_test_support.h"

using namespace node::testing;
namespace fs = std::filesystem;

extern char** environ;

namespace {

const std::string kHost = "reg.team-a.svc:5000";

// The command started with `args`, its stdout and stderr going to one log file.
class NodeCa {
 public:
  NodeCa(const fs::path& log, std::vector<std::string> args) : log_(log) {
    args.insert(args.begin(), {OPERATOR_BINARY, "node-ca"});
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    REQUIRE(posix_spawn(&pid_, OPERATOR_BINARY, &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~NodeCa() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // The exit status; -1 when it did not exit normally within 20 s.
  int wait() {
    for (int i = 0; i < 2000; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  void terminate() const { REQUIRE(::kill(pid_, SIGTERM) == 0); }
  std::string log() const { return readFile(log_); }

 private:
  fs::path log_;
  pid_t pid_ = 0;
};

int runToEnd(const fs::path& log, std::vector<std::string> args) {
  NodeCa command(log, std::move(args));
  return command.wait();
}

bool waitFor(const fs::path& path) {
  for (int i = 0; i < 1000 && !fs::exists(path); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return fs::exists(path);
}

struct Node {
  TempDir temp;
  fs::path root = temp.path / "host";
  fs::path ca = temp.path / "ca.crt";
  fs::path log = temp.path / "node-ca.log";
  Node() {
    fs::create_directories(root / "etc");
    writeFile(root / "etc/hosts", "127.0.0.1 localhost\n");
    writeFile(ca, kOldCa);
  }
  std::vector<std::string> args(std::vector<std::string> more = {}) const {
    std::vector<std::string> all = {"--host-root", root.string(), "--owner", "team-a/reg",
                                    "--ca-file",   ca.string(),   "--host",  kHost};
    all.insert(all.end(), more.begin(), more.end());
    return all;
  }
};

}  // namespace

TEST_CASE("node-ca --once writes the trees and the hosts block, then nothing at rest") {
  Node node;
  REQUIRE(runToEnd(node.log, node.args({"--once", "--host", "reg.apps.example.com", "--resolve",
                                        "reg.team-a.svc=198.19.0.5"})) == 0);
  for (const char* tree :
       {"etc/docker/certs.d", "etc/containers/certs.d", "etc/containerd/certs.d"}) {
    CHECK(readFile(node.root / tree / kHost / "ca.crt") == kOldCa);
    CHECK(readFile(node.root / tree / "reg.apps.example.com" / "ca.crt") == kOldCa);
  }
  CHECK_THAT(readFile(node.root / "etc/containerd/certs.d" / kHost / "hosts.toml"),
             Catch::Contains("ca = \"/etc/containerd/certs.d/reg.team-a.svc:5000/ca.crt\""));
  CHECK(readFile(node.root / "etc/hosts") ==
        "127.0.0.1 localhost\n# BEGIN registry-operator team-a/reg\n198.19.0.5 reg.team-a.svc\n"
        "# END registry-operator team-a/reg\n");
  const std::string first = readFile(node.log);
  CHECK_THAT(first, Catch::Contains(
                        "wrote " + (node.root / "etc/docker/certs.d" / kHost / "ca.crt").string()));
  CHECK_THAT(first, Catch::Contains("wrote the registry-operator team-a/reg block of " +
                                    (node.root / "etc/hosts").string()));

  REQUIRE(runToEnd(node.log, node.args({"--once", "--host", "reg.apps.example.com", "--resolve",
                                        "reg.team-a.svc=198.19.0.5"})) == 0);
  CHECK_THAT(readFile(node.log), !Catch::Contains("wrote"));

  // The CA rotates and a host goes: the next run follows, and the hosts block goes without
  // --resolve.
  writeFile(node.ca, kOldCa + kNewCa);
  REQUIRE(runToEnd(node.log, node.args({"--once"})) == 0);
  CHECK(readFile(node.root / "etc/docker/certs.d" / kHost / "ca.crt") == kOldCa + kNewCa);
  CHECK_FALSE(fs::exists(node.root / "etc/docker/certs.d/reg.apps.example.com"));
  CHECK(readFile(node.root / "etc/hosts") == "127.0.0.1 localhost\n");
}

TEST_CASE("node-ca without --host removes this owner's CA files and keeps its hosts block") {
  // nodeCA switched off while nodeResolver stays: the rolled pod is left to clean up.
  Node node;
  REQUIRE(runToEnd(node.log, node.args({"--once", "--resolve", "reg.team-a.svc=198.19.0.5"})) == 0);
  REQUIRE(fs::exists(node.root / "etc/docker/certs.d" / kHost / "ca.crt"));
  REQUIRE(runToEnd(node.log, {"--host-root", node.root.string(), "--owner", "team-a/reg", "--once",
                              "--resolve", "reg.team-a.svc=198.19.0.5"}) == 0);
  for (const char* tree :
       {"etc/docker/certs.d", "etc/containers/certs.d", "etc/containerd/certs.d"}) {
    CHECK_FALSE(fs::exists(node.root / tree / kHost));
  }
  CHECK_THAT(readFile(node.root / "etc/hosts"), Catch::Contains("198.19.0.5 reg.team-a.svc"));
  // A host to trust needs the CA to trust.
  CHECK(runToEnd(node.log, {"--host-root", node.root.string(), "--owner", "team-a/reg", "--once",
                            "--host", kHost}) == 2);
}

TEST_CASE("node-ca --once exits 1 when the sync fails, naming the path") {
  Node node;
  fs::remove(node.ca);
  CHECK(runToEnd(node.log, node.args({"--once"})) == 1);
  CHECK_THAT(readFile(node.log), Catch::Contains("cannot use CA file " + node.ca.string() +
                                                 ": No such file or directory"));
  CHECK_FALSE(fs::exists(node.root / "etc/docker"));
}

TEST_CASE("node-ca usage errors exit 2") {
  Node node;
  CHECK(runToEnd(node.log, {"--once"}) == 2);  // --host-root and --owner are missing
  CHECK(runToEnd(node.log, node.args({"--once", "--host", "../etc"})) == 2);
  CHECK_THAT(readFile(node.log), Catch::Contains("--host: registry host \"../etc\""));
  CHECK(runToEnd(node.log, node.args({"--once", "--resolve", "reg"})) == 2);
  CHECK(runToEnd(node.log, node.args({"--once", "--resolve", "reg=1.2.3"})) == 2);
  CHECK(runToEnd(node.log, node.args({"--once", "--interval", "soon"})) == 2);
  CHECK(runToEnd(node.log, node.args({"--once", "--owner", "reg"})) == 2);
  CHECK(runToEnd(node.log, node.args({"--once", "--daemonset", "node-ca"})) == 2);
  CHECK_FALSE(fs::exists(node.root / "etc/docker"));
}

TEST_CASE("node-ca keeps the files when stopped without --daemonset") {
  Node node;
  NodeCa command(node.log, node.args({"--interval", "100ms"}));
  REQUIRE(waitFor(node.root / "etc/containerd/certs.d" / kHost / "hosts.toml"));
  // A CA rotation reaches the node at the next interval.
  writeFile(node.ca, kNewCa);
  for (int i = 0;
       i < 1000 && readFile(node.root / "etc/docker/certs.d" / kHost / "ca.crt") != kNewCa; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(readFile(node.root / "etc/docker/certs.d" / kHost / "ca.crt") == kNewCa);
  command.terminate();
  CHECK(command.wait() == 0);
  CHECK(fs::exists(node.root / "etc/docker/certs.d" / kHost / "ca.crt"));
  CHECK_THAT(command.log(), Catch::Contains("the node's CA files stay"));
}

TEST_CASE("node-ca keeps the files when stopped and the API server cannot be reached") {
  Node node;
  // Nothing listens on port 1: the question whether the DaemonSet is gone goes unanswered.
  writeFile(node.temp.path / "kubeconfig",
            "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
            "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', "
            "insecure-skip-tls-verify: true}}]\n"
            "users: [{name: u, user: {token: t}}]\n"
            "contexts: [{name: x, context: {cluster: c, user: u}}]\n");
  NodeCa command(node.log, node.args({"--daemonset", "registry-operator-system/reg-node-ca",
                                      "--kubeconfig", (node.temp.path / "kubeconfig").string(),
                                      "--resolve", "reg.team-a.svc=198.19.0.5"}));
  REQUIRE(waitFor(node.root / "etc/containerd/certs.d" / kHost / "hosts.toml"));
  command.terminate();
  CHECK(command.wait() == 0);
  CHECK(fs::exists(node.root / "etc/containerd/certs.d" / kHost / "hosts.toml"));
  CHECK_THAT(readFile(node.root / "etc/hosts"), Catch::Contains("198.19.0.5 reg.team-a.svc"));
  CHECK_THAT(command.log(), Catch::Contains("cannot tell whether DaemonSet "
                                            "registry-operator-system/reg-node-ca is gone"));
}

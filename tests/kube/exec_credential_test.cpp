#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "kube/exec_credential.h"
#include "plugin_dir.h"

TEST_CASE("ExecCredential output parses token, certificate and expiry") {
  auto credential = kube::parseExecCredential(R"({"apiVersion":"client.authentication.k8s.io/v1",
    "kind":"ExecCredential","status":{"token":"abc","expirationTimestamp":"2030-01-02T03:04:05Z"}})");
  REQUIRE(credential);
  CHECK(credential->token == "abc");
  REQUIRE(credential->expires);
  CHECK(std::chrono::system_clock::to_time_t(*credential->expires) == 1893553445);
}

// Found by tests/fuzz (exec_credential): years the nanosecond system_clock cannot hold made
// from_time_t overflow, undefined behaviour that the sanitize tier reports.
TEST_CASE("an ExecCredential expiry beyond the clock's range clamps to its ends") {
  auto expiry = [](const std::string& timestamp) {
    auto credential = kube::parseExecCredential(
        R"({"kind":"ExecCredential","status":{"token":"a","expirationTimestamp":")" + timestamp +
        R"("}})");
    REQUIRE(credential);
    REQUIRE(credential->expires);
    return *credential->expires;
  };
  using Clock = std::chrono::system_clock;
  CHECK(expiry("8419-01-02T03:04:05Z") == Clock::time_point::max());
  CHECK(expiry("2262-04-12T00:00:00Z") == Clock::time_point::max());
  CHECK(expiry("0001-01-01T00:00:00Z") == Clock::time_point::min());
  CHECK(Clock::to_time_t(expiry("2261-12-31T23:59:59Z")) == 9214646399);
}

TEST_CASE("malformed ExecCredential output is a Config error") {
  for (const char* text :
       {"", "token", "{}", R"({"kind":"ExecCredential"})",
        R"({"kind":"ExecCredential","status":{}})",
        R"({"kind":"ExecCredential","status":{"token":5}})",
        R"({"kind":"ExecCredential","status":{"token":"a","expirationTimestamp":"soon"}})",
        R"({"kind":"ExecCredential","status":{"clientCertificateData":"c"}})"}) {
    INFO(text);
    auto credential = kube::parseExecCredential(text);
    REQUIRE_FALSE(credential);
    CHECK(credential.error().kind() == kube::ErrorKind::Config);
  }
}

TEST_CASE("an exec plugin runs with its env and KUBERNETES_EXEC_INFO") {
  auto script = std::filesystem::temp_directory_path() / "exec-plugin-test.sh";
  std::ofstream(script)
      << "#!/bin/sh\n"
         "case \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) exit 3;; esac\n"
         "echo '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"'$TOKEN_FROM_ENV-$1'\"}}'\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  kube::ExecConfig exec;
  exec.command = script.string();
  exec.args = {"arg"};
  exec.env = {{"TOKEN_FROM_ENV", "t0k"}};
  auto credential = kube::runExecPlugin(exec);
  REQUIRE(credential);
  CHECK(credential->token == "t0k-arg");

  exec.command = "/nonexistent/plugin";
  auto missing = kube::runExecPlugin(exec);
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message(), Catch::Contains("exit status 127"));
  std::filesystem::remove(script);
}

namespace {
// Whether process `pid` is gone: absent, or a zombie nobody has reaped yet (in a container whose
// init does not reap, an orphan stays one), polled because SIGKILL lands asynchronously.
bool processEnds(pid_t pid) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!stat || !std::getline(stat, text)) return true;
    auto state = text.find(") ");
    if (state != std::string::npos && text.at(state + 2) == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

pid_t readPid(const PluginDir& dir, const std::string& name) {
  return static_cast<pid_t>(std::stol(dir.read(name)));
}
}  // namespace

TEST_CASE("an exec plugin that closes stdout but never exits is killed at its deadline") {
  // EOF on stdout is not the end of the run: the wait for the exit is bounded by the same
  // deadline, and the error says what happened without any of the plugin's output.
  PluginDir dir;
  kube::ExecConfig exec;
  exec.command = dir.script("plugin",
                            "echo $$ > \"$DIR/pid\"\n"
                            "echo '{\"kind\":\"ExecCredential\",\"status\":"
                            "{\"token\":\"s3cret-token\"}}'\n"
                            "exec >&-\n"
                            "exec sleep 1000\n");
  exec.timeout = std::chrono::seconds(3);
  auto credential = kube::runExecPlugin(exec);
  REQUIRE_FALSE(credential);
  CHECK(credential.error().kind() == kube::ErrorKind::Config);
  CHECK_THAT(credential.error().message(), Catch::Contains("did not finish within 3 s"));
  CHECK_THAT(credential.error().message(), Catch::Contains(exec.command));
  CHECK(credential.error().message().find("s3cret") == std::string::npos);
  REQUIRE(dir.exists("pid"));
  CHECK(processEnds(readPid(dir, "pid")));
}

TEST_CASE("an exec plugin's deadline kills its whole process group") {
  // A plugin whose helper keeps stdout open: killing only the plugin would leave the helper
  // running (and, before the kill, holding the pipe open so that EOF never comes).
  PluginDir dir;
  kube::ExecConfig exec;
  exec.command = dir.script("plugin",
                            "sleep 1000 &\n"
                            "echo $! > \"$DIR/helper.tmp\" && mv \"$DIR/helper.tmp\" "
                            "\"$DIR/helper\"\n"
                            "wait\n");
  exec.timeout = std::chrono::seconds(3);
  auto credential = kube::runExecPlugin(exec);
  REQUIRE_FALSE(credential);
  CHECK_THAT(credential.error().message(), Catch::Contains("did not finish within 3 s"));
  REQUIRE(dir.waitFor("helper"));
  const pid_t helper = readPid(dir, "helper");
  const bool helper_ends = processEnds(helper);
  if (!helper_ends) kill(helper, SIGKILL);
  CHECK(helper_ends);
}

TEST_CASE("an exec plugin inherits no descriptor of another plugin running at the same time") {
  // Without close-on-exec, a second plugin started while the first runs inherits the first one's
  // pipe; while it lives, the first plugin's stdout never reaches EOF.
  PluginDir dir;
  kube::ExecConfig slow;
  slow.command = dir.script("slow",
                            "stdout=$(readlink /proc/$$/fd/1)\n"
                            "echo \"$stdout\" > \"$DIR/slow-pipe\"\n"
                            "touch \"$DIR/started\"\n" +
                                waitUntilReleased() +
                                "echo '{\"kind\":\"ExecCredential\",\"status\":"
                                "{\"token\":\"slow\"}}'\n");
  kube::ExecConfig lister;
  // Prints, as its token, what its descriptors above stderr point to.
  lister.command = dir.script(
      "lister",
      "open=\n"
      "for f in /proc/$$/fd/*; do\n"
      "  [ \"${f##*/}\" -gt 2 ] && open=\"$open$(readlink \"$f\"),\"\n"
      "done\n"
      "echo '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"open:'\"$open\"'\"}}'\n");
  std::optional<kube::Result<kube::ExecCredential>> slow_result;
  std::thread first([&] { slow_result.emplace(kube::runExecPlugin(slow)); });
  REQUIRE(dir.waitFor("started"));
  auto listed = kube::runExecPlugin(lister);
  dir.touch("release");
  first.join();
  const std::string slow_pipe = dir.read("slow-pipe").substr(0, dir.read("slow-pipe").find('\n'));
  CHECK_THAT(slow_pipe, Catch::StartsWith("pipe:"));
  REQUIRE(listed);
  CHECK_THAT(listed->token, Catch::StartsWith("open:"));
  CHECK(listed->token.find(slow_pipe) == std::string::npos);
  REQUIRE(slow_result);
  REQUIRE(*slow_result);
  CHECK((*slow_result)->token == "slow");
}

#include "kube/exec_credential.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <thread>

#include "kube/object.h"

extern char** environ;

namespace kube {

namespace {

std::optional<std::chrono::system_clock::time_point> parseRfc3339(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits, so only the years 1678..2261 fit: from_time_t
  // would overflow (undefined behaviour) beyond them. Such an expiry means "never" (or "long
  // expired"), which the clock's ends say as well.
  using Clock = std::chrono::system_clock;
  constexpr auto kLimit = std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max());
  const std::time_t seconds = timegm(&tm);
  if (seconds >= kLimit.count()) return Clock::time_point::max();
  if (seconds <= -kLimit.count()) return Clock::time_point::min();
  return Clock::from_time_t(seconds);
}

std::string describe(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count()) + " ms";
}

// Milliseconds left until `deadline`, rounded up, for poll().
int millisecondsUntil(std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1'000'000'000));
}

}  // namespace

Result<ExecCredential> parseExecCredential(const std::string& json_text) {
  auto document = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return Error(ErrorKind::Config, "exec plugin output is not a JSON object");
  }
  if (document.value("kind", Json()) != "ExecCredential") {
    return Error(ErrorKind::Config, "exec plugin output is not an ExecCredential");
  }
  const Json& status = at(document, "/status");
  if (!status.is_object()) return Error(ErrorKind::Config, "ExecCredential has no status");
  ExecCredential credential;
  auto read = [&](const char* field, std::string& out) -> bool {
    const Json& value = at(status, std::string("/") + field);
    if (value.is_null()) return true;
    if (!value.is_string()) return false;
    out = value.get<std::string>();
    return true;
  };
  if (!read("token", credential.token) ||
      !read("clientCertificateData", credential.client_cert_pem) ||
      !read("clientKeyData", credential.client_key_pem)) {
    return Error(ErrorKind::Config, "ExecCredential status fields must be strings");
  }
  if (credential.token.empty() &&
      (credential.client_cert_pem.empty() || credential.client_key_pem.empty())) {
    return Error(ErrorKind::Config,
                 "ExecCredential has neither a token nor a client certificate and key");
  }
  if (const Json& expiry = at(status, "/expirationTimestamp"); expiry.is_string()) {
    credential.expires = parseRfc3339(expiry.get<std::string>());
    if (!credential.expires) {
      return Error(ErrorKind::Config, "ExecCredential expirationTimestamp is not RFC 3339");
    }
  }
  return credential;
}

Result<ExecCredential> runExecPlugin(const ExecConfig& exec) {
  // A plugin that hangs (waiting for a login that never comes, or closing its stdout and then
  // going on) must not hang every API call: the whole run, reading its output and waiting for
  // its exit, has one deadline; then the plugin and all it started are killed.
  const auto deadline = std::chrono::steady_clock::now() + exec.timeout;
  const std::string name = "exec plugin \"" + exec.command + "\"";
  int out_pipe[2];
  // Close-on-exec: another thread may start a process (another plugin) meanwhile. One that
  // inherited the write end would hold it open, and this plugin's EOF would never come.
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    return Error(ErrorKind::Config, name + ": pipe: " + std::strerror(errno));
  }
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) env_storage.emplace_back(*e);
  for (const auto& [key, value] : exec.env) env_storage.push_back(key + "=" + value);
  Json info = {{"apiVersion", exec.api_version},
               {"kind", "ExecCredential"},
               {"spec", {{"interactive", false}}}};
  env_storage.push_back("KUBERNETES_EXEC_INFO=" + info.dump());
  std::vector<char*> envp;
  for (auto& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_storage{exec.command};
  arg_storage.insert(arg_storage.end(), exec.args.begin(), exec.args.end());
  std::vector<char*> argv;
  for (auto& arg : arg_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Error(ErrorKind::Config, name + ": fork: " + std::strerror(errno));
  }
  if (pid == 0) {
    // A process group of its own, so that the kill at the deadline reaches whatever the plugin
    // started as well (a helper holding its stdout open). Only async-signal-safe calls here.
    setpgid(0, 0);
    dup2(out_pipe[1], STDOUT_FILENO);  // the copy is not close-on-exec; both originals are
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  // The parent sets the group too, so that it exists before any kill below whichever process
  // runs first. EACCES means the child has already exec'ed, after its own setpgid.
  setpgid(pid, pid);
  close(out_pipe[1]);
  std::string output;
  char buffer[4096];
  bool timed_out = false;
  bool too_long = false;
  for (;;) {
    pollfd fd{out_pipe[0], POLLIN, 0};
    int ready = poll(&fd, 1, millisecondsUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    ssize_t n = read(out_pipe[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
    if (output.size() > (1 << 20)) {  // a credential is never this large
      too_long = true;
      break;
    }
  }
  close(out_pipe[0]);
  // EOF is not the end: the plugin may have closed its stdout and gone on. Its exit is awaited
  // under the same deadline; waitpid has no timeout, so it is polled.
  int status = 0;
  bool exited = false;
  auto pause = std::chrono::milliseconds(1);
  while (!timed_out) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      exited = true;
      break;
    }
    if (done < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  if (timed_out) {
    // The plugin is not reaped yet, so its pid, and with it the group id, cannot have been
    // reused: this kill reaches only the plugin's group.
    kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return Error(ErrorKind::Config,
                 name + " did not finish within " + describe(exec.timeout) + "; killed it");
  }
  if (!exited) {
    return Error(ErrorKind::Config, name + ": waiting for it: " + std::strerror(errno));
  }
  // Before the exit status: a plugin cut off mid-write dies of SIGPIPE.
  if (too_long) return Error(ErrorKind::Config, name + " printed more than 1 MiB");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Error(ErrorKind::Config,
                 name + " failed (exit status " +
                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  auto credential = parseExecCredential(output);
  if (!credential) return credential.error().withContext(name);
  return credential;
}

}  // namespace kube

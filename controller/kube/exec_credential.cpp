#include "kube/exec_credential.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <sstream>

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
  int out_pipe[2];
  if (pipe(out_pipe) != 0) {
    return Error(ErrorKind::Config, std::string("exec plugin: pipe: ") + std::strerror(errno));
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
    return Error(ErrorKind::Config, std::string("exec plugin: fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    close(out_pipe[0]);
    close(out_pipe[1]);
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out_pipe[1]);
  // A plugin that hangs (waiting for a login that never comes) must not hang every API call:
  // give it a deadline, then kill it.
  constexpr int kDeadlineMs = 60'000;
  const auto started = std::chrono::steady_clock::now();
  std::string output;
  char buffer[4096];
  bool timed_out = false;
  for (;;) {
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
    if (elapsed >= kDeadlineMs) {
      timed_out = true;
      break;
    }
    pollfd fd{out_pipe[0], POLLIN, 0};
    int ready = poll(&fd, 1, static_cast<int>(kDeadlineMs - elapsed));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    ssize_t n = read(out_pipe[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
    if (output.size() > (1 << 20)) break;  // a credential is never this large
  }
  close(out_pipe[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Error(ErrorKind::Config,
                 "exec plugin \"" + exec.command + "\" gave no credential within 60 s");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Error(ErrorKind::Config,
                 "exec plugin \"" + exec.command + "\" failed (exit status " +
                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  auto credential = parseExecCredential(output);
  if (!credential) {
    return Error(ErrorKind::Config,
                 "exec plugin \"" + exec.command + "\": " + credential.error().message());
  }
  return credential;
}

}  // namespace kube

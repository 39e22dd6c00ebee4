#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "kube/exec_credential.h"

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

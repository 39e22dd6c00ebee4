#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "kube/base64.h"
#include "kube/config.h"
#include "kube/cpprest_transport.h"

namespace {
const char* kKubeconfig = R"(apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: local, user: admin, namespace: team-a}
- name: other
  context: {cluster: local, user: robot}
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: Q0FEQVRB
users:
- name: admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: robot
  user:
    token: s3cr3t
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: oc
      args: [whoami, -t]
      env: [{name: A, value: b}]
)";
}  // namespace

TEST_CASE("kubeconfig: current context, embedded data, namespace") {
  auto config = kube::parseKubeconfig(kKubeconfig, "/tmp");
  REQUIRE(config);
  CHECK(config->server == "https://127.0.0.1:6443");
  CHECK(config->ca_pem == "CADATA");
  CHECK(config->client_cert_pem == "CERT");
  CHECK(config->client_key_pem == "KEY");
  CHECK(config->default_namespace == "team-a");
  CHECK_FALSE(config->insecure_skip_tls_verify);
}

TEST_CASE("kubeconfig: explicit context with token and exec plugin") {
  auto config = kube::parseKubeconfig(kKubeconfig, "/tmp", "other");
  REQUIRE(config);
  CHECK(config->bearer_token == "s3cr3t");
  REQUIRE(config->exec);
  CHECK(config->exec->command == "oc");
  CHECK(config->exec->args == std::vector<std::string>{"whoami", "-t"});
  CHECK(config->exec->env.at(0).first == "A");
  CHECK(config->default_namespace == "default");
}

TEST_CASE("kubeconfig: file paths resolve relative to the kubeconfig") {
  auto dir = std::filesystem::temp_directory_path() / "kubeconfig-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ca.crt") << "FROMFILE";
  std::ofstream(dir / "token") << "tok\n";
  std::ofstream(dir / "config") << R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://h:1", certificate-authority: ca.crt}}]
users: [{name: u, user: {tokenFile: token}}]
)";
  auto config = kube::loadKubeconfigFile((dir / "config").string());
  REQUIRE(config);
  CHECK(config->ca_pem == "FROMFILE");
  CHECK(config->token_file == (dir / "token").string());
  CHECK_FALSE(config->insecure_skip_tls_verify);
  std::filesystem::remove_all(dir);
}

TEST_CASE("kubeconfig: insecure-skip-tls-verify alone turns verification off") {
  auto config = kube::parseKubeconfig(
      "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
      "clusters: [{name: c, cluster: {server: 'https://h', insecure-skip-tls-verify: true}}]",
      "/tmp");
  REQUIRE(config);
  CHECK(config->insecure_skip_tls_verify);
  CHECK(config->ca_pem.empty());
}

TEST_CASE("kubeconfig: insecure-skip-tls-verify with a CA is refused, naming the cluster") {
  // The CA would be silently ignored, so a kubeconfig that looks pinned would trust anyone;
  // client-go refuses the combination as well.
  auto dir = std::filesystem::temp_directory_path() / "kubeconfig-insecure-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ca.crt") << "FROMFILE";
  for (const char* ca : {"certificate-authority-data: Q0FEQVRB", "certificate-authority: ca.crt"}) {
    INFO(ca);
    auto config = kube::parseKubeconfig(
        std::string("current-context: x\ncontexts: [{name: x, context: {cluster: prod}}]\n"
                    "clusters: [{name: prod, cluster: {server: 'https://h', ") +
            ca + ", insecure-skip-tls-verify: true}}]",
        dir.string());
    REQUIRE_FALSE(config);
    CHECK(config.error().kind() == kube::ErrorKind::Config);
    CHECK_THAT(config.error().message(), Catch::Contains("cluster \"prod\""));
    CHECK_THAT(config.error().message(), Catch::Contains("insecure-skip-tls-verify"));
    CHECK_THAT(config.error().message(), Catch::Contains("certificate-authority"));
  }
  // insecure-skip-tls-verify: false next to a CA is the ordinary, verifying case.
  auto config = kube::parseKubeconfig(
      "current-context: x\ncontexts: [{name: x, context: {cluster: prod}}]\n"
      "clusters: [{name: prod, cluster: {server: 'https://h', certificate-authority-data: "
      "Q0FEQVRB, insecure-skip-tls-verify: false}}]",
      dir.string());
  REQUIRE(config);
  CHECK(config->ca_pem == "CADATA");
  CHECK_FALSE(config->insecure_skip_tls_verify);
  std::filesystem::remove_all(dir);
}

TEST_CASE("kubeconfig: malformed input gets a clear Config error") {
  struct Case {
    const char* yaml;
    const char* expected;
  };
  const Case cases[] = {
      {"", "not a YAML mapping"},
      {"[1, 2]", "not a YAML mapping"},
      {"current-context: [x", "invalid YAML"},
      {"contexts: []", "no current-context"},
      {"current-context: x\ncontexts: []", "no entry named \"x\""},
      {"current-context: x\ncontexts: 5", "no contexts list"},
      {"current-context: x\ncontexts: [{name: x}]", "has no context"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\nclusters: []",
       "clusters has no entry named \"c\""},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {}}]",
       "cluster.server is required"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: ftp://h}}]",
       "must start with https://"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h', certificate-authority-data: '!!!'}}]",
       "not valid base64"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h', insecure-skip-tls-verify: 'yes'}}]",
       "must be a boolean"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
       "users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]",
       "both client-certificate and client-key"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
       "users: [{name: u, user: {exec: {args: [a]}}}]",
       "exec.command is required"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
       "users: [{name: u, user: {token: [1]}}]",
       "user.token must be a string"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h', certificate-authority: "
       "/nonexistent/ca}}]",
       "cannot read"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    auto config = kube::parseKubeconfig(c.yaml, "/tmp");
    REQUIRE_FALSE(config);
    CHECK(config.error().kind() == kube::ErrorKind::Config);
    CHECK_THAT(config.error().message(), Catch::Contains(c.expected));
  }
}

TEST_CASE("kubeconfig errors never echo secrets") {
  auto config = kube::parseKubeconfig(
      "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
      "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
      "users: [{name: u, user: {token: hunter2, client-key-data: '%%%'}}]",
      "/tmp");
  REQUIRE_FALSE(config);
  CHECK(config.error().message().find("hunter2") == std::string::npos);
  CHECK(config.error().message().find("%%%") == std::string::npos);
}

TEST_CASE("transport refuses bad PEM material and bad server addresses up front") {
  kube::ClusterConfig config;
  config.server = "https://127.0.0.1:6443";
  config.ca_pem = "not a certificate";
  auto transport = kube::makeCpprestTransport(config);
  REQUIRE_FALSE(transport);
  CHECK_THAT(transport.error().message(), Catch::Contains("no PEM certificate"));
  config.ca_pem.clear();
  config.server = "https://";
  CHECK_FALSE(kube::makeCpprestTransport(config));
}

TEST_CASE("in-cluster config needs the service environment") {
  unsetenv("KUBERNETES_SERVICE_HOST");
  auto config = kube::loadInClusterConfig("/nonexistent");
  REQUIRE_FALSE(config);
  CHECK_THAT(config.error().message(), Catch::Contains("not running in a cluster"));
}

#include "kube/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kube/base64.h"
#include "kube/object.h"
#include "kube/yaml_json.h"

namespace kube {

namespace {

Error configError(const std::string& message) { return Error(ErrorKind::Config, message); }

Result<std::string> readFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return configError("cannot read " + what + " file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string resolvePath(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

// Finds `name` in a kubeconfig list (clusters/users/contexts) and returns its inner object.
Result<Json> findNamed(const Json& config, const std::string& list, const std::string& inner,
                       const std::string& wanted) {
  const Json& entries = at(config, "/" + list);
  if (!entries.is_array()) return configError("kubeconfig has no " + list + " list");
  for (const auto& entry : entries) {
    if (!entry.is_object() || entry.value("name", Json()) != wanted) continue;
    const Json& body = at(entry, "/" + inner);
    if (!body.is_object()) return configError(list + " entry \"" + wanted + "\" has no " + inner);
    return body;
  }
  return configError("kubeconfig " + list + " has no entry named \"" + wanted + "\"");
}

Result<std::string> stringField(const Json& object, const std::string& field,
                                const std::string& where) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return configError(where + "." + field + " must be a string");
  return it->get<std::string>();
}

// Reads a "<field>-data" (base64) or "<field>" (path) pair, such as certificate-authority.
Result<std::string> dataOrFile(const Json& object, const std::string& field,
                               const std::string& where, const std::string& base_dir) {
  auto data = stringField(object, field + "-data", where);
  if (!data) return data.error();
  if (!data->empty()) {
    auto decoded = base64Decode(*data);
    if (!decoded) return configError(where + "." + field + "-data is not valid base64");
    return *decoded;
  }
  auto path = stringField(object, field, where);
  if (!path) return path.error();
  if (path->empty()) return std::string();
  return readFile(resolvePath(*path, base_dir), where + "." + field);
}

Result<ExecConfig> parseExec(const Json& exec, const std::string& base_dir) {
  if (!exec.is_object()) return configError("user.exec must be a mapping");
  ExecConfig result;
  auto command = stringField(exec, "command", "user.exec");
  if (!command) return command.error();
  if (command->empty()) return configError("user.exec.command is required");
  // A command given as a relative path with a slash is relative to the kubeconfig.
  result.command =
      command->find('/') != std::string::npos ? resolvePath(*command, base_dir) : *command;
  auto api_version = stringField(exec, "apiVersion", "user.exec");
  if (!api_version) return api_version.error();
  if (!api_version->empty()) result.api_version = *api_version;
  if (const Json& args = at(exec, "/args"); !args.is_null()) {
    if (!args.is_array()) return configError("user.exec.args must be a list");
    for (const auto& arg : args) {
      if (!arg.is_string()) return configError("user.exec.args must be strings");
      result.args.push_back(arg);
    }
  }
  if (const Json& env = at(exec, "/env"); !env.is_null()) {
    if (!env.is_array()) return configError("user.exec.env must be a list");
    for (const auto& entry : env) {
      if (!entry.is_object() || !entry.value("name", Json()).is_string() ||
          !entry.value("value", Json()).is_string()) {
        return configError("user.exec.env entries need string name and value");
      }
      result.env.emplace_back(entry["name"], entry["value"]);
    }
  }
  return result;
}

Result<void> applyCluster(const Json& cluster, const std::string& name, const std::string& base_dir,
                          ClusterConfig& out) {
  auto server = stringField(cluster, "server", "cluster");
  if (!server) return server.error();
  if (server->empty()) return configError("cluster.server is required");
  if (server->rfind("https://", 0) != 0 && server->rfind("http://", 0) != 0) {
    return configError("cluster.server must start with https:// or http://: " + *server);
  }
  out.server = *server;
  while (!out.server.empty() && out.server.back() == '/') out.server.pop_back();
  if (auto it = cluster.find("insecure-skip-tls-verify"); it != cluster.end() && !it->is_null()) {
    if (!it->is_boolean()) return configError("cluster.insecure-skip-tls-verify must be a boolean");
    out.insecure_skip_tls_verify = it->get<bool>();
  }
  if (out.insecure_skip_tls_verify) {
    // Skipping verification would silently drop the CA, so a kubeconfig that reads as pinned
    // to its CA would trust any server. client-go refuses the pair; so do we, before reading
    // the CA file (whose absence would otherwise hide this mistake behind another).
    for (const char* field : {"certificate-authority-data", "certificate-authority"}) {
      auto value = stringField(cluster, field, "cluster");
      if (!value) return value.error();
      if (!value->empty()) {
        return configError("cluster \"" + name + "\": insecure-skip-tls-verify: true cannot be " +
                           "combined with " + field +
                           "; remove one (a CA verifies the server, insecure skips that)");
      }
    }
  }
  auto ca = dataOrFile(cluster, "certificate-authority", "cluster", base_dir);
  if (!ca) return ca.error();
  out.ca_pem = *ca;
  auto server_name = stringField(cluster, "tls-server-name", "cluster");
  if (!server_name) return server_name.error();
  out.tls_server_name = *server_name;
  return {};
}

Result<void> applyUser(const Json& user, const std::string& base_dir, ClusterConfig& out) {
  auto cert = dataOrFile(user, "client-certificate", "user", base_dir);
  if (!cert) return cert.error();
  auto key = dataOrFile(user, "client-key", "user", base_dir);
  if (!key) return key.error();
  if (cert->empty() != key->empty()) {
    return configError("user needs both client-certificate and client-key, or neither");
  }
  out.client_cert_pem = *cert;
  out.client_key_pem = *key;
  auto token = stringField(user, "token", "user");
  if (!token) return token.error();
  out.bearer_token = *token;
  auto token_file = stringField(user, "tokenFile", "user");
  if (!token_file) return token_file.error();
  out.token_file = resolvePath(*token_file, base_dir);
  if (const Json& exec = at(user, "/exec"); !exec.is_null()) {
    auto parsed = parseExec(exec, base_dir);
    if (!parsed) return parsed.error();
    out.exec = *parsed;
  }
  return {};
}

}  // namespace

Result<ClusterConfig> parseKubeconfig(const std::string& yaml_text, const std::string& base_dir,
                                      const std::string& context) {
  auto document = yamlToJson(yaml_text);
  if (!document) return configError("kubeconfig: " + document.error().message());
  const Json& config = *document;
  if (!config.is_object()) return configError("kubeconfig is not a YAML mapping");
  std::string context_name = context;
  if (context_name.empty()) {
    auto current = stringField(config, "current-context", "kubeconfig");
    if (!current) return current.error();
    context_name = *current;
  }
  if (context_name.empty()) return configError("kubeconfig has no current-context");
  auto ctx = findNamed(config, "contexts", "context", context_name);
  if (!ctx) return ctx.error();
  auto cluster_name = stringField(*ctx, "cluster", "context");
  auto user_name = stringField(*ctx, "user", "context");
  auto ns = stringField(*ctx, "namespace", "context");
  if (!cluster_name || !user_name || !ns) {
    return configError("context \"" + context_name + "\" has non-string fields");
  }
  ClusterConfig out;
  if (!ns->empty()) out.default_namespace = *ns;
  auto cluster = findNamed(config, "clusters", "cluster", *cluster_name);
  if (!cluster) return cluster.error();
  if (auto applied = applyCluster(*cluster, *cluster_name, base_dir, out); !applied)
    return applied.error();
  if (!user_name->empty()) {
    auto user = findNamed(config, "users", "user", *user_name);
    if (!user) return user.error();
    if (auto applied = applyUser(*user, base_dir, out); !applied) return applied.error();
  }
  return out;
}

Result<ClusterConfig> loadKubeconfigFile(const std::string& path, const std::string& context) {
  auto text = readFile(path, "kubeconfig");
  if (!text) return text.error();
  auto parent = std::filesystem::path(path).parent_path().string();
  auto config = parseKubeconfig(*text, parent, context);
  if (!config) return configError(path + ": " + config.error().message());
  return config;
}

Result<ClusterConfig> loadInClusterConfig(const std::string& dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0') {
    return configError("not running in a cluster (KUBERNETES_SERVICE_HOST is not set)");
  }
  ClusterConfig out;
  std::string host_text = host;
  if (host_text.find(':') != std::string::npos) host_text = "[" + host_text + "]";  // IPv6
  out.server = "https://" + host_text + ":" + port;
  auto ca = readFile(dir + "/ca.crt", "service-account CA");
  if (!ca) return ca.error();
  out.ca_pem = *ca;
  out.token_file = dir + "/token";
  if (auto ns = readFile(dir + "/namespace", "service-account namespace"); ns) {
    out.default_namespace = *ns;
  }
  return out;
}

Result<ClusterConfig> loadDefaultConfig(const std::string& explicit_path) {
  if (!explicit_path.empty()) return loadKubeconfigFile(explicit_path);
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::string first = env;
    first = first.substr(0, first.find(':'));  // first file of a KUBECONFIG list
    return loadKubeconfigFile(first);
  }
  if (std::getenv("KUBERNETES_SERVICE_HOST") != nullptr) return loadInClusterConfig();
  if (const char* home = std::getenv("HOME"); home != nullptr) {
    std::string path = std::string(home) + "/.kube/config";
    if (std::filesystem::exists(path)) return loadKubeconfigFile(path);
  }
  return configError("no kubeconfig: pass --kubeconfig, set KUBECONFIG, or run in a cluster");
}

}  // namespace kube

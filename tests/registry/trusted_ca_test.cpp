#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "kube/base64.h"
#include "registry/reconcile/trusted_ca.h"
#include "support/scripted_client.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::parseOk;
using registry::testing::readFile;
using Json = kube::Json;

namespace {

const std::string kOldCa = "-----BEGIN CERTIFICATE-----\nOLD\n-----END CERTIFICATE-----\n";
const std::string kNewCa = "-----BEGIN CERTIFICATE-----\nNEW\n-----END CERTIFICATE-----\n";

RegistryConfig registryWith(const std::string& tls = "") {
  return parseOk(crWithSpec(kEmptyDir + tls));
}

Json configMap(const Json& data) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "image-registry-ca"}, {"namespace", "registry"}}},
          {"data", data}};
}

Json tlsSecret(const std::map<std::string, std::string>& values) {
  Json data = Json::object();
  for (const auto& [key, value] : values) data[key] = kube::base64Encode(value);
  return {{"apiVersion", "v1"}, {"kind", "Secret"}, {"data", data}};
}

std::string bundleError(const RegistryConfig& config, const Json* map, const Json* secret) {
  auto bundle = caBundleFrom(config, map, secret);
  REQUIRE_FALSE(bundle.ok());
  CHECK(bundle.error().kind() == kube::ErrorKind::Config);
  CHECK(bundle.error().message().find('\n') == std::string::npos);
  return bundle.error().message();
}

std::string status(int code, const std::string& reason, const std::string& message) {
  return Json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
              {"reason", reason}, {"code", code},       {"message", message}}
      .dump();
}

const char* const kCrJson = R"({
  "apiVersion": "imageregistry.io/v1alpha1", "kind": "RegistryConfig",
  "metadata": {"name": "image-registry", "namespace": "registry", "uid": "u", "generation": 1},
  "spec": {"storage": {"emptyDir": {}}, "defaultRoute": true},
  "status": {"internalHostname": "image-registry.registry.svc:5000",
             "externalHostnames": ["image-registry-default-route-registry.apps.example.com"]}
})";

struct Cluster : ::testing::ScriptedClient {
  std::vector<std::string> targets() const {
    std::vector<std::string> out;
    for (const auto& request : transport->requests()) out.push_back(request.target);
    return out;
  }
};

std::string fetchError(Cluster& cluster) {
  auto fetched = fetchTrustedCa(cluster.client, "registry", "image-registry");
  REQUIRE_FALSE(fetched.ok());
  CHECK(fetched.error().message().find('\n') == std::string::npos);
  return fetched.error().message();
}

// A fresh empty directory, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "trusted-ca.XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

unsigned modeOf(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

}  // namespace

TEST_CASE("tls Auto: the CA bundle is ConfigMap N-ca's, every certificate of it") {
  RegistryConfig config = registryWith();
  Json map = configMap({{"ca.crt", kOldCa + kNewCa}});
  auto bundle = caBundleFrom(config, &map, nullptr);
  REQUIRE(bundle.ok());
  CHECK(bundle.value() == kOldCa + kNewCa);

  // service-ca's key on OpenShift; a missing final newline is added.
  Json openshift = configMap({{"service-ca.crt", kNewCa.substr(0, kNewCa.size() - 1)}});
  auto injected = caBundleFrom(config, &openshift, nullptr);
  REQUIRE(injected.ok());
  CHECK(injected.value() == kNewCa);
}

TEST_CASE("tls Auto: a missing or empty CA ConfigMap is reported by name") {
  RegistryConfig config = registryWith();
  CHECK(bundleError(config, nullptr, nullptr) ==
        "ConfigMap \"image-registry-ca\" in namespace registry not found: the operator has not "
        "published the CA yet");
  Json empty = configMap(Json::object());
  CHECK(bundleError(config, &empty, nullptr) ==
        "ConfigMap \"image-registry-ca\" in namespace registry has no CA yet (no key ca.crt or "
        "service-ca.crt)");
  Json junk = configMap({{"ca.crt", "not a certificate"}});
  CHECK(bundleError(config, &junk, nullptr) ==
        "ConfigMap \"image-registry-ca\" in namespace registry key ca.crt holds no PEM "
        "certificate");
}

TEST_CASE("tls Secret: the user's ca.crt, or a clear 'not known'") {
  RegistryConfig config = registryWith("  tls: {mode: Secret, secretName: my-tls}\n");
  Json with_ca = tlsSecret({{"tls.crt", "c"}, {"tls.key", "k"}, {"ca.crt", kOldCa}});
  auto bundle = caBundleFrom(config, nullptr, &with_ca);
  REQUIRE(bundle.ok());
  CHECK(bundle.value() == kOldCa);

  Json without_ca = tlsSecret({{"tls.crt", "c"}, {"tls.key", "k"}});
  CHECK(bundleError(config, nullptr, &without_ca) ==
        "the CA is not known: Secret \"my-tls\" (spec.tls.secretName) in namespace registry has "
        "no key ca.crt (the certificate may be signed by a CA clients already trust)");
  CHECK(bundleError(config, nullptr, nullptr) ==
        "Secret \"my-tls\" (spec.tls.secretName) in namespace registry not found");
}

TEST_CASE("tls Disabled: there is no CA") {
  RegistryConfig config = registryWith("  tls: {mode: Disabled}\n");
  Json map = configMap({{"ca.crt", kOldCa}});
  CHECK_THAT(bundleError(config, &map, nullptr),
             Catch::Contains("spec.tls.mode Disabled: the registry serves plain HTTP"));
}

TEST_CASE("registry hosts: status first, the builders' internal host when status has none") {
  RegistryConfig config = registryWith();
  CHECK(registryHosts(config, Json()) ==
        std::vector<std::string>{"image-registry.registry.svc:5000"});
  CHECK(registryHosts(config, Json{{"internalHostname", ""}}) ==
        std::vector<std::string>{"image-registry.registry.svc:5000"});
  Json status = {{"internalHostname", "image-registry.registry.svc:5000"},
                 {"externalHostnames",
                  {"registry.example.com", 5, "image-registry.registry.svc:5000", "b.example.com",
                   "registry.example.com"}}};
  CHECK(registryHosts(config, status) ==
        std::vector<std::string>{"image-registry.registry.svc:5000", "registry.example.com",
                                 "b.example.com"});
}

TEST_CASE("certs.d files: <host>/ca.crt for every host, refusing unsafe names") {
  RegistryConfig config = registryWith();
  Json status = {{"externalHostnames", {"registry.example.com"}}};
  auto files = certsDFiles(config, status, kNewCa);
  REQUIRE(files.ok());
  CHECK(files.value() == std::vector<CaFile>{{"image-registry.registry.svc:5000/ca.crt", kNewCa},
                                             {"registry.example.com/ca.crt", kNewCa}});

  for (const char* bad : {"..", ".", "a/b", "../etc", "a b", "a\\b", "tab\there"}) {
    INFO(bad);
    auto refused = certsDFiles(config, Json{{"externalHostnames", {bad}}}, kNewCa);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message(), Catch::Contains("cannot name a certs.d directory"));
  }
}

TEST_CASE("fetchTrustedCa reads the CR, then the ConfigMap it names") {
  Cluster cluster;
  cluster.transport->reply(200, kCrJson);
  cluster.transport->reply(200, configMap({{"ca.crt", kOldCa + kNewCa}}).dump());
  auto fetched = fetchTrustedCa(cluster.client, "registry", "image-registry");
  REQUIRE(fetched.ok());
  CHECK(fetched.value().caBundle == kOldCa + kNewCa);
  CHECK(fetched.value().config.name == "image-registry");
  CHECK(registryHosts(fetched.value().config, fetched.value().status) ==
        std::vector<std::string>{"image-registry.registry.svc:5000",
                                 "image-registry-default-route-registry.apps.example.com"});
  CHECK(cluster.targets() ==
        std::vector<std::string>{
            "/apis/imageregistry.io/v1alpha1/namespaces/registry/registryconfigs/image-registry",
            "/api/v1/namespaces/registry/configmaps/image-registry-ca"});
}

TEST_CASE("fetchTrustedCa with tls Secret reads the user's Secret, with Disabled nothing more") {
  Json cr = Json::parse(kCrJson);
  cr["spec"]["tls"] = {{"mode", "Secret"}, {"secretName", "my-tls"}};
  Cluster secret;
  secret.transport->reply(200, cr.dump());
  secret.transport->reply(200, tlsSecret({{"ca.crt", kNewCa}}).dump());
  auto fetched = fetchTrustedCa(secret.client, "registry", "image-registry");
  REQUIRE(fetched.ok());
  CHECK(fetched.value().caBundle == kNewCa);
  CHECK(secret.targets().at(1) == "/api/v1/namespaces/registry/secrets/my-tls");

  cr["spec"]["tls"] = {{"mode", "Disabled"}};
  Cluster disabled;
  disabled.transport->reply(200, cr.dump());
  CHECK_THAT(fetchError(disabled), Catch::Contains("plain HTTP"));
  CHECK(disabled.targets().size() == 1);
}

TEST_CASE("fetchTrustedCa: API failures are one-line messages naming the object") {
  {
    Cluster cluster;
    cluster.transport->reply(
        404,
        status(404, "NotFound", "registryconfigs.imageregistry.io \"image-registry\" not found"));
    CHECK(fetchError(cluster) ==
          "RegistryConfig \"image-registry\" not found in namespace registry");
  }
  {
    Cluster cluster;  // no CRD: the resource type itself is unknown
    cluster.transport->reply(
        404, status(404, "NotFound", "the server could not find the requested resource"));
    CHECK(fetchError(cluster) ==
          "RegistryConfig \"image-registry\" not found in namespace registry (is the "
          "RegistryConfig CRD installed?)");
  }
  {
    Cluster cluster;
    cluster.transport->reply(403, status(403, "Forbidden", "user \"bob\" cannot get resource"));
    CHECK(fetchError(cluster) ==
          "not allowed to read RegistryConfig \"image-registry\" in namespace registry: user "
          "\"bob\" cannot get resource");
  }
  {
    Cluster cluster;  // the CR exists, its ConfigMap not yet
    cluster.transport->reply(200, kCrJson);
    cluster.transport->reply(404,
                             status(404, "NotFound", "configmaps \"image-registry-ca\" not found"));
    CHECK_THAT(fetchError(cluster), Catch::Contains("has not published the CA yet"));
  }
  {
    Cluster cluster;
    cluster.transport->reply(200, kCrJson);
    cluster.transport->reply(403, status(403, "Forbidden", "no configmaps for you"));
    CHECK(fetchError(cluster) ==
          "not allowed to read ConfigMap \"image-registry-ca\" in namespace registry: no "
          "configmaps for you");
  }
  {
    Cluster cluster;  // the script is empty: a transport failure
    CHECK_THAT(fetchError(cluster),
               Catch::StartsWith("cannot read RegistryConfig \"image-registry\" in namespace "
                                 "registry: "));
  }
  {
    Cluster cluster;
    Json cr = Json::parse(kCrJson);
    cr["spec"]["storage"] = Json::object();
    cluster.transport->reply(200, cr.dump());
    CHECK_THAT(fetchError(cluster),
               Catch::StartsWith("RegistryConfig \"image-registry\" in namespace registry has an "
                                 "invalid spec: spec.storage"));
  }
}

TEST_CASE("writeCaFiles writes 0644 files in 0755 directories, replacing old ones whole") {
  TempDir temp;
  const std::filesystem::path dir = temp.path / "certs.d";
  const mode_t old_umask = ::umask(077);  // the modes must not depend on the caller's umask
  auto written =
      writeCaFiles(dir.string(), {{"a.svc:5000/ca.crt", kOldCa}, {"b.example.com/ca.crt", kOldCa}});
  REQUIRE(written.ok());
  CHECK(written.value() == std::vector<std::string>{(dir / "a.svc:5000/ca.crt").string(),
                                                    (dir / "b.example.com/ca.crt").string()});
  CHECK(readFile((dir / "a.svc:5000/ca.crt").string()) == kOldCa);
  CHECK(modeOf(dir) == 0755);
  CHECK(modeOf(dir / "a.svc:5000") == 0755);
  CHECK(modeOf(dir / "a.svc:5000/ca.crt") == 0644);

  auto rewritten = writeCaFiles(dir.string(), {{"a.svc:5000/ca.crt", kOldCa + kNewCa}});
  ::umask(old_umask);
  REQUIRE(rewritten.ok());
  CHECK(readFile((dir / "a.svc:5000/ca.crt").string()) == kOldCa + kNewCa);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir / "a.svc:5000"))
    ++entries;
  CHECK(entries == 1);  // no temporary file left behind
}

TEST_CASE("writeCaFiles reports what it cannot create") {
  TempDir temp;
  std::ofstream(temp.path / "host") << "a file where a directory should be";
  auto written = writeCaFiles(temp.path.string(), {{"host/ca.crt", kOldCa}});
  REQUIRE_FALSE(written.ok());
  CHECK(written.error().message() == "cannot create directory " + (temp.path / "host").string() +
                                         ": a file of that name exists");
}

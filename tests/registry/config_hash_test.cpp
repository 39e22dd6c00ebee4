#include <functional>

#include <catch2/catch.hpp>

#include "registry/render/config_hash.h"
#include "registry/render/config_render.h"
#include "registry/render/http_secret.h"
#include "test_support.h"

using namespace registry;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::parseOk;
using Json = kube::Json;

namespace {

Inputs fullInputs() {
  Inputs inputs;
  inputs.httpSecret = "generated-secret";
  inputs.configBundle = "log:\n  level: debug\n";
  inputs.tls = TlsMaterial{"CA PEM", "CERT PEM", "KEY PEM"};
  inputs.htpasswd = "user:$2y$05$hash\n";
  inputs.tokenSigning = CaMaterial{"TOKEN CERT", "TOKEN KEY", "", "", ""};
  inputs.storageCredentials = R"({"REGISTRY_STORAGE_S3_ACCESSKEY":"a"})";
  return inputs;
}

std::string hashOf(const RegistryConfig& config, const Inputs& inputs) {
  auto rendered = renderConfig(config, inputs);
  REQUIRE(rendered.ok());
  return configHash(rendered.value(), config, inputs);
}

}  // namespace

TEST_CASE("the config hash is stable for the same inputs") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Inputs inputs = fullInputs();
  std::string first = hashOf(config, inputs);
  CHECK(first.size() == 64);
  CHECK(hashOf(config, inputs) == first);
  CHECK(hashOf(parseOk(crWithSpec(kEmptyDir)), fullInputs()) == first);
}

TEST_CASE("the order of keys in the user's bundle does not change the hash") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Inputs a = fullInputs();
  Inputs b = fullInputs();
  a.configBundle = "log: {level: debug, formatter: json}\nhttp: {relativeurls: true}\n";
  b.configBundle = "http:\n  relativeurls: true\nlog:\n  formatter: json\n  level: debug\n";
  CHECK(hashOf(config, a) == hashOf(config, b));
}

TEST_CASE("changing any input the pods read changes the hash") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  const std::string base = hashOf(config, fullInputs());

  std::vector<std::pair<const char*, std::function<void(Inputs&)>>> changes = {
      {"httpSecret", [](Inputs& i) { i.httpSecret = "other"; }},
      {"bundle", [](Inputs& i) { i.configBundle = "log:\n  level: warn\n"; }},
      {"no bundle", [](Inputs& i) { i.configBundle.reset(); }},
      {"CA", [](Inputs& i) { i.tls->caPem = "CA2"; }},
      {"cert", [](Inputs& i) { i.tls->certPem = "CERT2"; }},
      {"key", [](Inputs& i) { i.tls->keyPem = "KEY2"; }},
      {"no TLS", [](Inputs& i) { i.tls.reset(); }},
      {"htpasswd", [](Inputs& i) { i.htpasswd = "other:$2y$05$x\n"; }},
      {"token certificate", [](Inputs& i) { i.tokenSigning->certPem = "TOKEN CERT 2"; }},
      {"token key", [](Inputs& i) { i.tokenSigning->keyPem = "TOKEN KEY 2"; }},
      {"storage credentials", [](Inputs& i) { i.storageCredentials = "{}"; }},
  };
  for (auto& [what, change] : changes) {
    INFO(what);
    Inputs inputs = fullInputs();
    change(inputs);
    CHECK(hashOf(config, inputs) != base);
  }

  // Spec changes that alter the rendered config change it too.
  CHECK(hashOf(parseOk(crWithSpec(kEmptyDir + "  readOnly: true\n")), fullInputs()) != base);
  CHECK(hashOf(parseOk(crWithSpec(kEmptyDir + "  httpSecret: mine\n")), fullInputs()) != base);
  // ...and spec changes that pods do not read leave it alone.
  CHECK(hashOf(parseOk(crWithSpec(kEmptyDir + "  defaultRoute: true\n")), fullInputs()) == base);
}

TEST_CASE("the pods roll when the htpasswd changes, not when N-admin's copy of it is rewritten") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir + "  auth: {type: Htpasswd}\n"));
  Inputs inputs = fullInputs();
  inputs.initialAdmin = GeneratedUser{"admin", "first-password", *inputs.htpasswd};
  const std::string base = hashOf(config, inputs);
  // The same entry (same salt): nothing rolls, whatever N-admin holds beside it.
  inputs.initialAdmin->password = "edited-but-not-yet-hashed";
  CHECK(hashOf(config, inputs) == base);
  // A new entry (a new password, or the same one with a new salt): the pods roll.
  inputs.htpasswd = "admin:$2b$10$other\n";
  CHECK(hashOf(config, inputs) != base);
}

TEST_CASE("the canonical document carries digests, not secrets") {
  RegistryConfig config = parseOk(crWithSpec(kEmptyDir));
  Inputs inputs = fullInputs();
  auto rendered = renderConfig(config, inputs);
  REQUIRE(rendered.ok());
  std::string text = canonicalPodInputs(rendered.value(), config, inputs).dump();
  for (const char* secret : {"generated-secret", "KEY PEM", "$2y$05$hash"}) {
    CHECK(text.find(secret) == std::string::npos);
  }
}

TEST_CASE("generated httpSecrets are 64 random bytes in hex") {
  auto first = generateHttpSecret();
  auto second = generateHttpSecret();
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first.value().size() == 128);
  CHECK(first.value().find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(first.value() != second.value());
}

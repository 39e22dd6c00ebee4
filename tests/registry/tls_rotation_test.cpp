// The lifecycle of operator-issued TLS (tls_issuer.h): the pure decision and ensureTls on a fixed
// clock, what the builders make of the result, the requeue delay, and gatherInputs reading
// stored material through a lagging cache.
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <catch2/catch.hpp>

#include "fixed_inputs.h"
#include "kube/base64.h"
#include "registry/apply_decision.h"
#include "registry/builders.h"
#include "registry/gather_inputs.h"
#include "registry/object_names.h"
#include "registry/registry_reconciler.h"
#include "registry/tls_issuer.h"
#include "runtime/fake_api_server.h"
#include "runtime/store.h"
#include "test_support.h"

using namespace registry;
using namespace std::chrono_literals;
using registry::testing::crWithSpec;
using registry::testing::kEmptyDir;
using registry::testing::parseOk;
using TimePoint = std::chrono::system_clock::time_point;

namespace {

// The fixed clock of these tests: 2030-01-01T00:00:00Z.
const TimePoint kT0 = std::chrono::system_clock::from_time_t(1893456000);
constexpr auto kYear = 24h * 365;
constexpr auto kMonth = 24h * 30;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using CertPtr = std::unique_ptr<X509, X509Free>;

// Every certificate in a PEM bundle, in order.
std::vector<CertPtr> readBundle(const std::string& pem) {
  std::vector<CertPtr> certs;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) certs.emplace_back(cert);
  BIO_free(bio);
  return certs;
}

// True when `cert_pem` chains to one of the CAs in `bundle_pem` for `host` at time `at`, the
// way a client holding ConfigMap N-ca checks the registry.
bool verifies(const std::string& cert_pem, const std::string& bundle_pem, const std::string& host,
              TimePoint at) {
  auto leaf = readBundle(cert_pem);
  auto cas = readBundle(bundle_pem);
  if (leaf.size() != 1 || cas.empty()) return false;
  X509_STORE* store = X509_STORE_new();
  for (auto& ca : cas) X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf[0].get(), nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));
  const bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

// The decoded value of a Secret's data entry.
std::string decoded(const kube::Json& value) {
  auto text = kube::base64Decode(value.get<std::string>());
  REQUIRE(text);
  return std::string(*text);
}

const std::string kHost = "image-registry.registry.svc";

std::vector<std::string> names() { return registryDnsNames(parseOk(crWithSpec(kEmptyDir))); }

StoredTls storedFrom(const TlsOutcome& outcome) {
  StoredTls stored;
  if (outcome.ca) stored.ca = *outcome.ca;
  stored.serving = outcome.serving;
  return stored;
}

TlsOutcome ensureOk(const StoredTls& stored, TimePoint now, const TlsPolicy& policy = {}) {
  auto outcome = ensureTls(stored, names(), now, policy);
  INFO((outcome.ok() ? std::string() : outcome.error().message()));
  REQUIRE(outcome.ok());
  return *outcome;
}

// The objects the builders make from an outcome, as the reconciler would apply them.
std::vector<kube::Json> objectsFor(const TlsOutcome& outcome) {
  Inputs inputs = registry::testing::kubernetesInputs();
  inputs.tls = outcome.serving;
  inputs.ca = outcome.ca;
  auto objects = desiredObjects(parseOk(crWithSpec(kEmptyDir)), inputs);
  REQUIRE(objects.ok());
  return *objects;
}

const kube::Json* find(const std::vector<kube::Json>& objects, const std::string& kind,
                       const std::string& name) {
  for (const auto& object : objects) {
    if (object["kind"] == kind && object["metadata"]["name"] == name) return &object;
  }
  return nullptr;
}

std::string configHashOf(const std::vector<kube::Json>& objects) {
  const kube::Json* deployment = find(objects, "Deployment", "image-registry");
  REQUIRE(deployment != nullptr);
  return (*deployment)["spec"]["template"]["metadata"]["annotations"][kConfigHashAnnotation];
}

// The objects of `after` the reconciler would write, given that those of `before` are live.
std::vector<std::string> writesBetween(const std::vector<kube::Json>& before,
                                       const std::vector<kube::Json>& after) {
  std::vector<std::string> writes;
  for (const auto& object : after) {
    const kube::Json* live = find(before, object["kind"], object["metadata"]["name"]);
    kube::Json live_applied = live ? withAppliedHash(*live) : kube::Json();
    if (needsApply(withAppliedHash(object), live ? &live_applied : nullptr)) {
      writes.push_back(object["kind"].get<std::string>() + "/" +
                       object["metadata"]["name"].get<std::string>());
    }
  }
  return writes;
}

std::string caBundleOf(const std::vector<kube::Json>& objects) {
  const kube::Json* config_map = find(objects, "ConfigMap", "image-registry-ca");
  REQUIRE(config_map != nullptr);
  return (*config_map)["data"][kCaKey];
}

}  // namespace

TEST_CASE("TLS: the first reconcile issues a CA and a serving certificate signed by it") {
  StoredTls nothing;
  TlsDecision decision = decideTls(nothing, names(), kT0, {});
  CHECK(decision.action == TlsAction::IssueCa);
  CHECK(decision.reason == "no CA and no serving certificate yet: issuing both");

  TlsOutcome first = ensureOk(nothing, kT0);
  REQUIRE(first.ca);
  CHECK(first.ca->previousCertPem.empty());
  CHECK(first.serving.caPem == first.ca->certPem);
  CHECK(verifies(first.serving.certPem, first.ca->certPem, kHost, kT0));
  // The serving certificate (2 years, starting an hour early) is due with a third left.
  CHECK(first.nextCheck > kT0 + 15 * kMonth);
  CHECK(first.nextCheck < kT0 + 17 * kMonth);

  auto objects = objectsFor(first);
  const kube::Json* key_secret = find(objects, "Secret", "image-registry-ca-key");
  REQUIRE(key_secret != nullptr);
  CHECK((*key_secret)["type"] == "Opaque");
  CHECK(decoded((*key_secret)["data"][kCaKeyKey]) == first.ca->keyPem);
  CHECK(decoded((*key_secret)["data"][kCaKey]) == first.ca->certPem);
  CHECK_FALSE((*key_secret)["data"].contains(kPreviousCaKey));
  CHECK(caBundleOf(objects) == first.ca->certPem);
  // The key is in no other object.
  for (const auto& object : objects) {
    if (object["metadata"]["name"] == "image-registry-ca-key") continue;
    INFO(object["metadata"]["name"]);
    CHECK(object.dump().find(kube::base64Encode(first.ca->keyPem)) == std::string::npos);
    CHECK(object.dump().find("BEGIN PRIVATE KEY") == std::string::npos);
  }
}

TEST_CASE("TLS: a steady state keeps every byte and makes no writes") {
  TlsOutcome first = ensureOk({}, kT0);
  for (auto later : {kT0 + 1h, kT0 + 24h * 100, kT0 + 15 * kMonth}) {
    TlsDecision decision = decideTls(storedFrom(first), names(), later, {});
    CHECK(decision.action == TlsAction::Reuse);
    TlsOutcome again = ensureOk(storedFrom(first), later);
    CHECK(again.ca == first.ca);
    CHECK(again.serving == first.serving);
    CHECK(again.nextCheck == first.nextCheck);
    CHECK(writesBetween(objectsFor(first), objectsFor(again)).empty());
  }
}

TEST_CASE("TLS: renewal keeps the CA byte for byte and the new certificate verifies against it") {
  TlsOutcome first = ensureOk({}, kT0);
  const TimePoint due = first.nextCheck;
  CHECK(decideTls(storedFrom(first), names(), due - 1s, {}).action == TlsAction::Reuse);

  TlsDecision decision = decideTls(storedFrom(first), names(), due, {});
  CHECK(decision.action == TlsAction::RenewCert);
  CHECK(decision.reason.find("due for renewal") != std::string::npos);

  TlsOutcome renewed = ensureOk(storedFrom(first), due);
  REQUIRE(renewed.ca);
  CHECK(*renewed.ca == *first.ca);
  CHECK(renewed.serving.caPem == first.ca->certPem);
  CHECK(renewed.serving.certPem != first.serving.certPem);
  CHECK(renewed.serving.keyPem != first.serving.keyPem);
  CHECK(verifies(renewed.serving.certPem, first.ca->certPem, kHost, due));
  CHECK(renewed.nextCheck > due + 15 * kMonth);

  // Only N-tls and what follows from it change; the pods roll through the config hash.
  auto before = objectsFor(first);
  auto after = objectsFor(renewed);
  CHECK(writesBetween(before, after) ==
        std::vector<std::string>{"Secret/image-registry-tls", "Deployment/image-registry"});
  CHECK(configHashOf(before) != configHashOf(after));
  CHECK(caBundleOf(after) == caBundleOf(before));
}

TEST_CASE("TLS: a CA near its expiry rotates, with both CAs in the bundle until the old expires") {
  TlsOutcome first = ensureOk({}, kT0);
  // Renewed on time until the CA is due: the same CA all along.
  TlsOutcome current = first;
  int renewals = 0;
  while (decideTls(storedFrom(current), names(), current.nextCheck, {}).action ==
         TlsAction::RenewCert) {
    current = ensureOk(storedFrom(current), current.nextCheck);
    CHECK(*current.ca == *first.ca);
    ++renewals;
    REQUIRE(renewals < 10);
  }
  // Every ~16 months; the fifth comes 80 minutes before the CA is due at ~6.7 years.
  CHECK(renewals == 5);

  const TimePoint rotation = current.nextCheck;
  CHECK(rotation > kT0 + 6 * kYear + 6 * kMonth);
  CHECK(rotation < kT0 + 6 * kYear + 10 * kMonth);
  TlsDecision decision = decideTls(storedFrom(current), names(), rotation, {});
  CHECK(decision.action == TlsAction::RotateCa);
  CHECK(decision.reason.find("due for rotation") != std::string::npos);
  CHECK(decision.previousCaPem == first.ca->certPem);

  TlsOutcome rotated = ensureOk(storedFrom(current), rotation);
  REQUIRE(rotated.ca);
  CHECK(rotated.ca->certPem != first.ca->certPem);
  CHECK(rotated.ca->keyPem != first.ca->keyPem);
  CHECK(rotated.ca->previousCertPem == first.ca->certPem);
  CHECK(rotated.serving.caPem == rotated.ca->certPem);
  CHECK(verifies(rotated.serving.certPem, rotated.ca->certPem, kHost, rotation));
  CHECK_FALSE(verifies(rotated.serving.certPem, first.ca->certPem, kHost, rotation));

  auto objects = objectsFor(rotated);
  std::string bundle = caBundleOf(objects);
  CHECK(bundle == rotated.ca->certPem + first.ca->certPem);
  CHECK(readBundle(bundle).size() == 2);
  // Clients holding the bundle trust pods on both sides of the roll.
  CHECK(verifies(rotated.serving.certPem, bundle, kHost, rotation));
  CHECK(verifies(current.serving.certPem, bundle, kHost, rotation));
  const kube::Json* key_secret = find(objects, "Secret", "image-registry-ca-key");
  REQUIRE(key_secret != nullptr);
  CHECK(decoded((*key_secret)["data"][kPreviousCaKey]) == first.ca->certPem);

  // Steady during the overlap: both CAs stay, nothing is written.
  TlsOutcome overlap = ensureOk(storedFrom(rotated), rotation + 24h);
  CHECK(overlap.decision.action == TlsAction::Reuse);
  CHECK(overlap.ca == rotated.ca);
  CHECK(writesBetween(objects, objectsFor(overlap)).empty());
}

TEST_CASE("TLS: after the overlap only the new CA remains") {
  TlsOutcome first = ensureOk({}, kT0);
  const TimePoint old_expiry = kT0 + 10 * kYear;
  // Rotated at 7 years; the certificate renewed at 9 years (previous CA still kept).
  TlsOutcome rotated = ensureOk(storedFrom(first), kT0 + 7 * kYear);
  REQUIRE(rotated.decision.action == TlsAction::RotateCa);
  TlsOutcome renewed = ensureOk(storedFrom(rotated), kT0 + 9 * kYear);
  CHECK(renewed.decision.action == TlsAction::RenewCert);
  REQUIRE(renewed.ca);
  CHECK(renewed.ca->previousCertPem == first.ca->certPem);
  // The next moment to look is the old CA's expiry, before the certificate or the CA is due.
  CHECK(renewed.nextCheck == old_expiry);

  CHECK(decideTls(storedFrom(renewed), names(), old_expiry - 1s, {}).previousCaPem ==
        first.ca->certPem);
  TlsDecision decision = decideTls(storedFrom(renewed), names(), old_expiry, {});
  CHECK(decision.action == TlsAction::Reuse);
  CHECK(decision.previousCaPem.empty());
  CHECK(decision.reason.find("the previous CA expired at 2039-12-30T00:00:00Z") !=
        std::string::npos);

  TlsOutcome dropped = ensureOk(storedFrom(renewed), old_expiry);
  REQUIRE(dropped.ca);
  CHECK(dropped.ca->certPem == renewed.ca->certPem);
  CHECK(dropped.ca->keyPem == renewed.ca->keyPem);
  CHECK(dropped.ca->previousCertPem.empty());
  CHECK(dropped.serving == renewed.serving);
  auto before = objectsFor(renewed);
  auto after = objectsFor(dropped);
  CHECK(caBundleOf(after) == renewed.ca->certPem);
  // The pods read neither N-ca-key nor N-ca: no roll.
  CHECK(writesBetween(before, after) ==
        std::vector<std::string>{"Secret/image-registry-ca-key", "ConfigMap/image-registry-ca"});
  CHECK(dropped.nextCheck > old_expiry);
}

TEST_CASE("TLS: an unusable stored CA is replaced with a clear reason, never a crash") {
  TlsOutcome first = ensureOk({}, kT0);
  TlsOutcome other = ensureOk({}, kT0);
  const TimePoint now = kT0 + 24h;

  struct Case {
    const char* what;
    std::function<void(StoredTls&)> corrupt;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"key of another CA", [&](StoredTls& s) { s.ca.keyPem = other.ca->keyPem; },
       "its key (ca.key) does not belong to its certificate (ca.crt)"},
      {"garbage key", [](StoredTls& s) { s.ca.keyPem = "garbage"; },
       "its key (ca.key) is missing or does not parse"},
      {"missing key", [](StoredTls& s) { s.ca.keyPem.clear(); },
       "its key (ca.key) is missing or does not parse"},
      {"garbage certificate", [](StoredTls& s) { s.ca.certPem = "-----BEGIN CERTIFICATE-----"; },
       "its certificate (ca.crt) is missing or does not parse"},
      {"a serving certificate posing as the CA",
       [&](StoredTls& s) {
         s.ca.certPem = first.serving.certPem;
         s.ca.keyPem = first.serving.keyPem;
       },
       "its certificate is not a CA certificate"},
      {"only a previous CA",
       [](StoredTls& s) {
         s.ca = {"", "", s.ca.certPem};
       },
       "its certificate (ca.crt) is missing or does not parse"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    StoredTls stored = storedFrom(first);
    c.corrupt(stored);
    TlsDecision decision = decideTls(stored, names(), now, {});
    CHECK(decision.action == TlsAction::IssueCa);
    CHECK(decision.reason ==
          std::string("the stored CA is unusable (") + c.reason + "): issuing a new CA");
    CHECK(decision.previousCaPem.empty());
    CHECK(decision.reason.find("PRIVATE KEY") == std::string::npos);
    TlsOutcome fixed = ensureOk(stored, now);
    REQUIRE(fixed.ca);
    CHECK(fixed.ca->certPem != first.ca->certPem);
    CHECK(fixed.ca->previousCertPem.empty());
    CHECK(verifies(fixed.serving.certPem, fixed.ca->certPem, kHost, now));
  }

  // An expired CA (say, the operator was off for years) is not rotated but replaced.
  TlsDecision expired = decideTls(storedFrom(first), names(), kT0 + 11 * kYear, {});
  CHECK(expired.action == TlsAction::IssueCa);
  CHECK(expired.reason.find("its certificate expired at") != std::string::npos);
  CHECK(expired.previousCaPem.empty());
}

TEST_CASE("TLS: a broken or foreign serving certificate is re-signed by the stored CA") {
  TlsOutcome first = ensureOk({}, kT0);
  TlsOutcome other = ensureOk({}, kT0);
  const TimePoint now = kT0 + 24h;

  StoredTls wrong_key = storedFrom(first);
  wrong_key.serving.keyPem = other.serving.keyPem;
  // N-tls written by a reconcile that stored a new CA but failed before N-tls: signed by another.
  StoredTls foreign = storedFrom(first);
  foreign.serving = other.serving;
  StoredTls missing = storedFrom(first);
  missing.serving = {};
  // A stale ca.crt in N-tls only: rewritten, the certificate kept.
  StoredTls stale_ca = storedFrom(first);
  stale_ca.serving.caPem = other.ca->certPem;

  for (auto [what, stored, reason] : std::vector<std::tuple<const char*, StoredTls, const char*>>{
           {"wrong key", wrong_key, "the private key does not match the certificate"},
           {"foreign", foreign, "the certificate is not signed by the CA"},
           {"missing", missing, "there is none yet"}}) {
    INFO(what);
    TlsDecision decision = decideTls(stored, names(), now, {});
    CHECK(decision.action == TlsAction::RenewCert);
    CHECK(decision.reason ==
          std::string("issuing a new serving certificate with the same CA: ") + reason);
    TlsOutcome fixed = ensureOk(stored, now);
    CHECK(*fixed.ca == *first.ca);
    CHECK(verifies(fixed.serving.certPem, first.ca->certPem, kHost, now));
  }

  TlsOutcome fixed = ensureOk(stale_ca, now);
  CHECK(fixed.decision.action == TlsAction::Reuse);
  CHECK(fixed.serving == first.serving);
}

TEST_CASE("TLS upgrade: N-tls without a stored CA key is served until due, then a CA is kept") {
  // What an earlier version left: N-tls (CA 10 years, certificate 2 years) and no N-ca-key.
  TlsOutcome legacy_issue = ensureOk({}, kT0);
  StoredTls legacy;
  legacy.serving = legacy_issue.serving;
  const std::string legacy_ca = legacy_issue.ca->certPem;

  TlsDecision decision = decideTls(legacy, names(), kT0 + 24h, {});
  CHECK(decision.action == TlsAction::Reuse);
  CHECK(decision.reason.find("no stored CA key") != std::string::npos);
  TlsOutcome kept = ensureOk(legacy, kT0 + 24h);
  CHECK_FALSE(kept.ca.has_value());
  CHECK(kept.serving == legacy.serving);
  CHECK(kept.nextCheck == legacy_issue.nextCheck);
  auto objects = objectsFor(kept);
  CHECK(find(objects, "Secret", "image-registry-ca-key") == nullptr);
  CHECK(caBundleOf(objects) == legacy_ca);

  const TimePoint due = kept.nextCheck;
  TlsOutcome upgraded = ensureOk(legacy, due);
  CHECK(upgraded.decision.action == TlsAction::IssueCa);
  CHECK(upgraded.decision.reason.find("made by an earlier version") != std::string::npos);
  REQUIRE(upgraded.ca);
  CHECK(upgraded.ca->certPem != legacy_ca);
  CHECK(upgraded.ca->previousCertPem == legacy_ca);
  CHECK(verifies(upgraded.serving.certPem, upgraded.ca->certPem, kHost, due));
  CHECK(readBundle(caBundleOf(objectsFor(upgraded))).size() == 2);

  // From then on the kept CA signs every renewal.
  TlsOutcome renewed = ensureOk(storedFrom(upgraded), upgraded.nextCheck);
  CHECK(renewed.decision.action == TlsAction::RenewCert);
  CHECK(renewed.ca->certPem == upgraded.ca->certPem);
  CHECK(renewed.ca->keyPem == upgraded.ca->keyPem);

  // A broken legacy N-tls is not served: a new CA at once, the legacy CA kept while valid.
  StoredTls broken = legacy;
  broken.serving.keyPem = "garbage";
  TlsOutcome replaced = ensureOk(broken, kT0 + 24h);
  CHECK(replaced.decision.action == TlsAction::IssueCa);
  CHECK(replaced.ca->previousCertPem == legacy_ca);
  // A legacy CA that no longer parses is not carried over.
  broken.serving.caPem = "garbage";
  CHECK(decideTls(broken, names(), kT0 + 24h, {}).previousCaPem.empty());
}

TEST_CASE("TLS with short lifetimes (the hidden test policy): renew, rotate, drop on time") {
  auto policy = tlsPolicyFrom("6m", "2m");
  REQUIRE(policy.ok());
  TlsOutcome first = ensureOk({}, kT0, *policy);
  // 2 minutes starting 12 s early: due with a third (44 s) left, 76 s after issue.
  CHECK(first.nextCheck == kT0 + 76s);

  TlsOutcome renewed = ensureOk(storedFrom(first), first.nextCheck, *policy);
  CHECK(renewed.decision.action == TlsAction::RenewCert);
  CHECK(*renewed.ca == *first.ca);

  // The CA (6 minutes starting 36 s early) is due 132 s before its end: at 228 s.
  TimePoint now = renewed.nextCheck;
  TlsOutcome current = renewed;
  while (now < kT0 + 228s) {
    current = ensureOk(storedFrom(current), now, *policy);
    CHECK(current.ca->certPem == first.ca->certPem);
    now = current.nextCheck;
  }
  CHECK(now == kT0 + 228s);
  TlsOutcome rotated = ensureOk(storedFrom(current), now, *policy);
  CHECK(rotated.decision.action == TlsAction::RotateCa);
  CHECK(rotated.ca->previousCertPem == first.ca->certPem);
  CHECK(verifies(rotated.serving.certPem, rotated.ca->certPem, kHost, now));
  // Its certificate is renewed (at 304 s) during the overlap, which keeps both CAs; the
  // previous CA leaves at its expiry, 6 minutes after the first issue.
  CHECK(rotated.nextCheck == kT0 + 304s);
  TlsOutcome overlap = ensureOk(storedFrom(rotated), rotated.nextCheck, *policy);
  CHECK(overlap.decision.action == TlsAction::RenewCert);
  CHECK(overlap.ca->previousCertPem == first.ca->certPem);
  CHECK(overlap.nextCheck == kT0 + 6min);
  TlsOutcome dropped = ensureOk(storedFrom(overlap), overlap.nextCheck, *policy);
  CHECK(dropped.decision.action == TlsAction::Reuse);
  CHECK(dropped.ca->previousCertPem.empty());
  CHECK(dropped.ca->certPem == rotated.ca->certPem);
  CHECK(dropped.serving == overlap.serving);
}

TEST_CASE("TLS: a certificate longer than the configured validity is renewed") {
  TlsOutcome first = ensureOk({}, kT0);
  TlsPolicy shorter;
  shorter.certValidity = 24h * 90;
  TlsDecision decision = decideTls(storedFrom(first), names(), kT0 + 1h, shorter);
  CHECK(decision.action == TlsAction::RenewCert);
  CHECK(decision.reason.find("outlives the configured validity") != std::string::npos);
  TlsOutcome renewed = ensureOk(storedFrom(first), kT0 + 1h, shorter);
  CHECK(*renewed.ca == *first.ca);
  CHECK(decideTls(storedFrom(renewed), names(), kT0 + 2h, shorter).action == TlsAction::Reuse);
}

TEST_CASE("tlsRequeueDelay: the next renewal moment, within the resync period") {
  const auto resync = std::chrono::duration_cast<runtime::Clock::Duration>(10min);
  CHECK(tlsRequeueDelay(kT0, std::nullopt, resync) == resync);
  CHECK(tlsRequeueDelay(kT0, kT0 + 5min, resync) == 5min + 1s);
  CHECK(tlsRequeueDelay(kT0, kT0 + 500ms, resync) == 2s);
  CHECK(tlsRequeueDelay(kT0, kT0 - 1h, resync) == 1s);
  CHECK(tlsRequeueDelay(kT0, kT0, resync) == 1s);
  CHECK(tlsRequeueDelay(kT0, kT0 + 2 * kYear, resync) == resync);
  CHECK(tlsRequeueDelay(kT0, TimePoint::min(), resync) == 1s);
  CHECK(tlsRequeueDelay(kT0, TimePoint::max(), resync) == resync);
}

namespace {

const std::string kSecrets = "/api/v1/secrets";

kube::Json secretWith(const std::string& name, const kube::Json& data) {
  kube::Json encoded = kube::Json::object();
  for (const auto& [key, value] : data.items()) {
    encoded[key] = kube::base64Encode(value.get<std::string>());
  }
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", "registry"}}},
          {"data", encoded}};
}

std::vector<kube::Json> storedSecrets(const TlsOutcome& outcome) {
  return {secretWith("image-registry-ca-key", {{kCaKey, outcome.ca->certPem},
                                               {kCaKeyKey, outcome.ca->keyPem},
                                               {kPreviousCaKey, outcome.ca->previousCertPem}}),
          secretWith("image-registry-tls", {{kTlsCertKey, outcome.serving.certPem},
                                            {kTlsKeyKey, outcome.serving.keyPem},
                                            {kCaKey, outcome.serving.caPem}}),
          secretWith("image-registry-private", {{kHttpSecretKey, "0123"}})};
}

struct Cluster {
  std::shared_ptr<runtime_test::FakeApiServer> server =
      std::make_shared<runtime_test::FakeApiServer>();
  runtime::StorePtr cache = std::make_shared<runtime::Store>();
  ObjectSource source{runtime_test::FakeApiServer::clientFor(server), cache, nullptr};

  GatheredInputs gather(TimePoint now) {
    auto gathered = gatherInputs(parseOk(crWithSpec(kEmptyDir)), source,
                                 registry::testing::kubernetesInputs().platform, TlsPolicy{}, now);
    INFO((gathered.ok() ? std::string() : gathered.error().message()));
    REQUIRE(gathered.ok());
    return *gathered;
  }
  int secretReads() const {
    int reads = 0;
    for (const auto& request : server->requests()) {
      if (request.method == "GET" && request.target.find("/secrets/") != std::string::npos) ++reads;
    }
    return reads;
  }
};

}  // namespace

TEST_CASE(
    "gatherInputs: stored material that the cache has not seen yet is reused, not re-issued") {
  TlsOutcome stored = ensureOk({}, kT0);
  Cluster cluster;
  for (const auto& secret : storedSecrets(stored)) cluster.server->put(kSecrets, secret);

  // The cache is empty (our own writes have not arrived): read through to the API server.
  GatheredInputs gathered = cluster.gather(kT0 + 1h);
  REQUIRE(gathered.inputs.ca);
  CHECK(*gathered.inputs.ca == *stored.ca);
  CHECK(gathered.inputs.tls == stored.serving);
  REQUIRE(gathered.tlsDecision);
  CHECK(gathered.tlsDecision->action == TlsAction::Reuse);
  REQUIRE(gathered.tlsRecheckAt);
  CHECK(*gathered.tlsRecheckAt == stored.nextCheck);
}

TEST_CASE("gatherInputs: a stale cache cannot cause a second CA or a second renewal") {
  TlsOutcome first = ensureOk({}, kT0);
  const TimePoint now = first.nextCheck + 1h;  // the first certificate is due
  TlsOutcome renewed = ensureOk(storedFrom(first), now);
  REQUIRE(renewed.decision.action == TlsAction::RenewCert);

  Cluster cluster;
  // The API server has the renewed material; the cache still shows the first one.
  for (const auto& secret : storedSecrets(renewed)) cluster.server->put(kSecrets, secret);
  for (const auto& secret : storedSecrets(first)) cluster.cache->upsert(secret);

  GatheredInputs gathered = cluster.gather(now);
  CHECK(gathered.inputs.tls == renewed.serving);
  CHECK(*gathered.inputs.ca == *renewed.ca);
  CHECK(gathered.tlsDecision->action == TlsAction::Reuse);

  // The cache shows no N-ca-key at all (before a rotation's write arrived) while the server has
  // one: the stored CA is used, no new one issued.
  Cluster lagging;
  for (const auto& secret : storedSecrets(renewed)) lagging.server->put(kSecrets, secret);
  lagging.cache->upsert(storedSecrets(first)[1]);  // only an old N-tls
  GatheredInputs again = lagging.gather(now);
  CHECK(*again.inputs.ca == *renewed.ca);
  CHECK(again.inputs.tls == renewed.serving);
}

TEST_CASE("gatherInputs: a sound cached state asks the API server nothing") {
  TlsOutcome stored = ensureOk({}, kT0);
  Cluster cluster;
  for (const auto& secret : storedSecrets(stored)) {
    cluster.server->put(kSecrets, secret);
    cluster.cache->upsert(secret);
  }
  GatheredInputs gathered = cluster.gather(kT0 + 1h);
  CHECK(*gathered.inputs.ca == *stored.ca);
  CHECK(cluster.secretReads() == 0);

  // Due for renewal: the decision is checked against the API server's copies once.
  GatheredInputs due = cluster.gather(stored.nextCheck);
  CHECK(due.tlsDecision->action == TlsAction::RenewCert);
  CHECK(*due.inputs.ca == *stored.ca);
  CHECK(cluster.secretReads() == 2);  // N-ca-key and N-tls
}

// The lifecycle of operator-issued TLS (tls_issuer.h): the pure decision and ensureTls on a fixed
// clock (issue, renewal, the staged CA rotation: rotation, overlap, switch, old CA expiry), what
// the builders make of the result, the requeue delay, and gatherInputs reading stored material
// through a lagging cache.
#include <algorithm>
#include <chrono>
#include <ctime>
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
#include "registry/reconcile/gather_inputs.h"
#include "registry/reconcile/registry_reconciler.h"
#include "registry/render/builders.h"
#include "registry/render/object_names.h"
#include "registry/render/tls_issuer.h"
#include "runtime/apply_drift.h"
#include "runtime/store.h"
#include "runtime/time_format.h"
#include "support/fake_api_server.h"
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

// The notAfter of a PEM certificate.
TimePoint notAfterOf(const std::string& pem) {
  auto certs = readBundle(pem);
  REQUIRE(certs.size() == 1);
  std::tm tm{};
  REQUIRE(ASN1_TIME_to_tm(X509_get0_notAfter(certs[0].get()), &tm) == 1);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
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
    const runtime::ApplyDrift drift(kAppliedHashAnnotation);
    kube::Json live_applied = live ? drift.stamp(*live) : kube::Json();
    if (drift.needsApply(drift.stamp(object), live ? &live_applied : nullptr)) {
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

namespace {

// The material renewed on time from kT0 until the CA is due, and that moment (the rotation).
struct BeforeRotation {
  TlsOutcome first;
  TlsOutcome current;
  TimePoint rotation;
};
BeforeRotation renewedUntilRotation() {
  TlsOutcome first = ensureOk({}, kT0);
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
  return {first, current, current.nextCheck};
}

}  // namespace

TEST_CASE("TLS rotation, stage 1: the next CA is published and the old CA keeps signing") {
  auto [first, current, rotation] = renewedUntilRotation();
  CHECK(rotation > kT0 + 6 * kYear + 6 * kMonth);
  CHECK(rotation < kT0 + 6 * kYear + 10 * kMonth);
  CHECK(decideTls(storedFrom(current), names(), rotation - 1s, {}).action == TlsAction::Reuse);

  TlsDecision decision = decideTls(storedFrom(current), names(), rotation, {});
  CHECK(decision.action == TlsAction::RotateCa);
  CHECK_FALSE(decision.newServingCert);  // renewed 80 minutes ago
  CHECK(decision.previousCaPem.empty());
  CHECK(decision.reason.find("the CA is due for rotation (it expires at 2039-12-30T00:00:00Z)") ==
        0);
  CHECK(decision.reason.find("keeps signing the serving certificate until the switch at about") !=
        std::string::npos);

  TlsOutcome rotated = ensureOk(storedFrom(current), rotation);
  REQUIRE(rotated.ca);
  // The current CA is kept byte for byte and still signs; the next CA waits beside it.
  CHECK(rotated.ca->certPem == first.ca->certPem);
  CHECK(rotated.ca->keyPem == first.ca->keyPem);
  CHECK(rotated.ca->previousCertPem.empty());
  REQUIRE(rotated.ca->hasNext());
  CHECK(rotated.ca->nextCertPem != first.ca->certPem);
  CHECK(rotated.ca->nextKeyPem != first.ca->keyPem);
  CHECK(rotated.serving == current.serving);
  CHECK(verifies(rotated.serving.certPem, first.ca->certPem, kHost, rotation));

  auto before = objectsFor(current);
  auto after = objectsFor(rotated);
  // N-ca-key and N-ca only: N-tls and the config hash keep their bytes, the pods do not roll.
  CHECK(writesBetween(before, after) ==
        std::vector<std::string>{"Secret/image-registry-ca-key", "ConfigMap/image-registry-ca"});
  CHECK(configHashOf(before) == configHashOf(after));
  std::string bundle = caBundleOf(after);
  CHECK(bundle == rotated.ca->nextCertPem + first.ca->certPem);
  CHECK(readBundle(bundle).size() == 2);
  CHECK(verifies(rotated.serving.certPem, bundle, kHost, rotation));
  const kube::Json* key_secret = find(after, "Secret", "image-registry-ca-key");
  REQUIRE(key_secret != nullptr);
  CHECK(decoded((*key_secret)["data"][kCaKey]) == first.ca->certPem);
  CHECK(decoded((*key_secret)["data"][kCaKeyKey]) == first.ca->keyPem);
  CHECK(decoded((*key_secret)["data"][kNextCaKey]) == rotated.ca->nextCertPem);
  CHECK(decoded((*key_secret)["data"][kNextCaKeyKey]) == rotated.ca->nextKeyPem);
  CHECK_FALSE((*key_secret)["data"].contains(kPreviousCaKey));
  // Neither key is in any other object.
  for (const auto& object : after) {
    if (object["metadata"]["name"] == "image-registry-ca-key") continue;
    INFO(object["metadata"]["name"]);
    CHECK(object.dump().find(kube::base64Encode(rotated.ca->nextKeyPem)) == std::string::npos);
    CHECK(object.dump().find(kube::base64Encode(rotated.ca->keyPem)) == std::string::npos);
    CHECK(object.dump().find("BEGIN PRIVATE KEY") == std::string::npos);
  }

  // The switch is half-way from the rotation to the old CA's expiry: ~8.3 years.
  const TimePoint old_expiry = kT0 + 10 * kYear;
  auto switch_at = tlsSwitchTime(rotated.ca->certPem, rotated.ca->nextCertPem);
  REQUIRE(switch_at);
  CHECK(*switch_at == rotation + (old_expiry - rotation) / 2);
  CHECK(*switch_at > kT0 + 8 * kYear + 3 * kMonth);
  CHECK(*switch_at < kT0 + 8 * kYear + 5 * kMonth);
  CHECK(decision.reason.find("until the switch at about " + runtime::formatTime(*switch_at)) !=
        std::string::npos);
  // The serving certificate (renewed 80 minutes before the rotation) is due first, at ~8 years.
  CHECK(rotated.nextCheck < *switch_at);
  CHECK(rotated.nextCheck > kT0 + 7 * kYear + 11 * kMonth);

  // Steady during the overlap: the next CA stays, nothing is written.
  for (auto later : {rotation + 1s, rotation + 24h, rotated.nextCheck - 1s}) {
    TlsOutcome overlap = ensureOk(storedFrom(rotated), later);
    CHECK(overlap.decision.action == TlsAction::Reuse);
    CHECK(overlap.decision.keepsNextCa);
    CHECK(overlap.decision.reason.find("the next CA is in the bundle and takes over at " +
                                       runtime::formatTime(*switch_at)) != std::string::npos);
    CHECK(overlap.ca == rotated.ca);
    CHECK(overlap.serving == rotated.serving);
    CHECK(overlap.nextCheck == rotated.nextCheck);
    CHECK(writesBetween(after, objectsFor(overlap)).empty());
  }
}

TEST_CASE("TLS rotation, overlap: a renewal before the switch is signed by the old CA") {
  auto [first, current, rotation] = renewedUntilRotation();
  TlsOutcome rotated = ensureOk(storedFrom(current), rotation);
  const TimePoint due = rotated.nextCheck;  // the serving certificate, at ~8 years
  auto switch_at = tlsSwitchTime(rotated.ca->certPem, rotated.ca->nextCertPem);
  REQUIRE(switch_at);
  REQUIRE(due < *switch_at);

  TlsOutcome renewed = ensureOk(storedFrom(rotated), due);
  CHECK(renewed.decision.action == TlsAction::RenewCert);
  CHECK(renewed.decision.reason.find("issuing a new serving certificate with the same CA") == 0);
  CHECK(*renewed.ca == *rotated.ca);  // both CAs byte for byte
  CHECK(renewed.serving.caPem == first.ca->certPem);
  CHECK(verifies(renewed.serving.certPem, first.ca->certPem, kHost, due));
  CHECK_FALSE(verifies(renewed.serving.certPem, rotated.ca->nextCertPem, kHost, due));
  // Never past the old CA, which signed it.
  CHECK(notAfterOf(renewed.serving.certPem) <= notAfterOf(first.ca->certPem));
  // The switch comes next, four months later.
  CHECK(renewed.nextCheck == *switch_at);

  auto before = objectsFor(rotated);
  auto after = objectsFor(renewed);
  CHECK(writesBetween(before, after) ==
        std::vector<std::string>{"Secret/image-registry-tls", "Deployment/image-registry"});
  CHECK(caBundleOf(after) == caBundleOf(before));
}

TEST_CASE("TLS rotation, stage 2: at the switch the new CA signs and the pods roll once") {
  auto [first, current, rotation] = renewedUntilRotation();
  TlsOutcome rotated = ensureOk(storedFrom(current), rotation);
  TlsOutcome overlap = ensureOk(storedFrom(rotated), rotated.nextCheck);  // renewed by the old CA
  REQUIRE(overlap.decision.action == TlsAction::RenewCert);
  const TimePoint switch_at = overlap.nextCheck;
  const std::string old_ca = first.ca->certPem;
  const std::string new_ca = rotated.ca->nextCertPem;

  // During the overlap the served certificate verifies against the old CA, and the bundle
  // holds both.
  const std::string overlap_bundle = caBundleOf(objectsFor(overlap));
  CHECK(overlap_bundle == new_ca + old_ca);
  CHECK(verifies(overlap.serving.certPem, old_ca, kHost, switch_at - 1s));
  CHECK(verifies(overlap.serving.certPem, overlap_bundle, kHost, switch_at - 1s));
  CHECK(decideTls(storedFrom(overlap), names(), switch_at - 1s, {}).action == TlsAction::Reuse);

  TlsDecision decision = decideTls(storedFrom(overlap), names(), switch_at, {});
  CHECK(decision.action == TlsAction::SwitchCa);
  CHECK(decision.newServingCert);
  CHECK(decision.previousCaPem == old_ca);
  CHECK(decision.reason ==
        "the switch to the next CA is due (the current CA expires at 2039-12-30T00:00:00Z): a new "
        "serving certificate signed by the next CA, which becomes current; the old CA stays in "
        "the bundle until it expires");

  TlsOutcome switched = ensureOk(storedFrom(overlap), switch_at);
  REQUIRE(switched.ca);
  CHECK(switched.ca->certPem == new_ca);
  CHECK(switched.ca->keyPem == rotated.ca->nextKeyPem);
  CHECK(switched.ca->previousCertPem == old_ca);
  CHECK_FALSE(switched.ca->hasNext());
  CHECK(switched.serving.caPem == new_ca);
  CHECK(verifies(switched.serving.certPem, new_ca, kHost, switch_at));
  CHECK_FALSE(verifies(switched.serving.certPem, old_ca, kHost, switch_at));
  CHECK(notAfterOf(switched.serving.certPem) <= notAfterOf(new_ca));

  auto before = objectsFor(overlap);
  auto after = objectsFor(switched);
  // N-tls changes and the pods roll; N-ca keeps its bytes (the same two CAs in the same order).
  CHECK(writesBetween(before, after) == std::vector<std::string>{"Secret/image-registry-ca-key",
                                                                 "Secret/image-registry-tls",
                                                                 "Deployment/image-registry"});
  CHECK(configHashOf(before) != configHashOf(after));
  CHECK(caBundleOf(after) == overlap_bundle);
  CHECK(verifies(switched.serving.certPem, caBundleOf(after), kHost, switch_at));
  const kube::Json* key_secret = find(after, "Secret", "image-registry-ca-key");
  REQUIRE(key_secret != nullptr);
  CHECK(decoded((*key_secret)["data"][kCaKey]) == new_ca);
  CHECK(decoded((*key_secret)["data"][kPreviousCaKey]) == old_ca);
  CHECK_FALSE((*key_secret)["data"].contains(kNextCaKey));
  CHECK_FALSE((*key_secret)["data"].contains(kNextCaKeyKey));
  // The old CA's key is gone: it signs nothing any more.
  CHECK((*key_secret).dump().find(kube::base64Encode(first.ca->keyPem)) == std::string::npos);

  // Once: the next look is when the old CA expires or the new certificate is due.
  TlsOutcome again = ensureOk(storedFrom(switched), switch_at + 1h);
  CHECK(again.decision.action == TlsAction::Reuse);
  CHECK(writesBetween(after, objectsFor(again)).empty());
  CHECK(switched.nextCheck <= notAfterOf(old_ca));
  CHECK(switched.nextCheck > switch_at + kYear);
}

TEST_CASE("TLS rotation, stage 3: the old CA leaves N-ca-key and N-ca when it expires") {
  auto [first, current, rotation] = renewedUntilRotation();
  TlsOutcome state = ensureOk(storedFrom(current), rotation);
  const TimePoint old_expiry = notAfterOf(first.ca->certPem);
  CHECK(old_expiry == kT0 + 10 * kYear);
  // On time until just before the old CA expires: a renewal, the switch, another renewal.
  while (state.nextCheck < old_expiry) state = ensureOk(storedFrom(state), state.nextCheck);
  REQUIRE(state.ca);
  CHECK(state.ca->previousCertPem == first.ca->certPem);
  CHECK(state.nextCheck == old_expiry);

  CHECK(decideTls(storedFrom(state), names(), old_expiry - 1s, {}).previousCaPem ==
        first.ca->certPem);
  TlsDecision decision = decideTls(storedFrom(state), names(), old_expiry, {});
  CHECK(decision.action == TlsAction::Reuse);
  CHECK(decision.previousCaPem.empty());
  CHECK(decision.reason.find("the previous CA expired at 2039-12-30T00:00:00Z") !=
        std::string::npos);

  TlsOutcome dropped = ensureOk(storedFrom(state), old_expiry);
  REQUIRE(dropped.ca);
  CHECK(dropped.ca->certPem == state.ca->certPem);
  CHECK(dropped.ca->keyPem == state.ca->keyPem);
  CHECK(dropped.ca->previousCertPem.empty());
  CHECK(dropped.serving == state.serving);
  auto before = objectsFor(state);
  auto after = objectsFor(dropped);
  CHECK(caBundleOf(after) == state.ca->certPem);
  // The pods read neither N-ca-key nor N-ca: no roll.
  CHECK(writesBetween(before, after) ==
        std::vector<std::string>{"Secret/image-registry-ca-key", "ConfigMap/image-registry-ca"});
  CHECK(dropped.nextCheck > old_expiry);
  CHECK_FALSE(find(after, "Secret", "image-registry-ca-key")->at("data").contains(kPreviousCaKey));
}

TEST_CASE("TLS rotation: a client holding the bundle published at rotation trusts every moment") {
  auto [first, current, rotation] = renewedUntilRotation();
  const std::string old_ca = first.ca->certPem;
  const TimePoint old_expiry = notAfterOf(old_ca);
  TlsOutcome state = ensureOk(storedFrom(current), rotation);
  REQUIRE(state.decision.action == TlsAction::RotateCa);
  const std::string rotation_bundle = caBundleOf(objectsFor(state));
  const std::string new_ca = state.ca->nextCertPem;
  const TimePoint switch_at = *tlsSwitchTime(old_ca, new_ca);

  // The reconciler on time at every moment it asked for, until the old CA has expired.
  struct Served {
    TimePoint from;
    std::string certPem;
  };
  std::vector<Served> served = {{rotation, state.serving.certPem}};
  std::vector<std::tuple<TlsAction, bool>> steps;  // action, signed by the new CA
  while (state.nextCheck <= old_expiry) {
    const TimePoint now = state.nextCheck;
    TlsOutcome next = ensureOk(storedFrom(state), now);
    steps.emplace_back(next.decision.action, next.serving.caPem == new_ca);
    if (next.serving.certPem != state.serving.certPem)
      served.push_back({now, next.serving.certPem});
    state = next;
    REQUIRE(steps.size() < 10);
  }
  CHECK(steps == std::vector<std::tuple<TlsAction, bool>>{{TlsAction::RenewCert, false},
                                                          {TlsAction::SwitchCa, true},
                                                          {TlsAction::RenewCert, true},
                                                          {TlsAction::Reuse, true}});
  REQUIRE(served.size() == 4);
  CHECK(served[2].from == switch_at);

  // Each served certificate from the moment it is served until the next one has rolled out
  // (an hour later: old pods serve it a little longer), sampled every week and at the edges.
  int samples = 0;
  for (std::size_t i = 0; i < served.size(); ++i) {
    const TimePoint until = i + 1 < served.size() ? served[i + 1].from + 1h : old_expiry + 24h;
    std::vector<TimePoint> moments = {served[i].from, until - 1s};
    for (TimePoint t = served[i].from; t < until; t += 24h * 7) moments.push_back(t);
    for (TimePoint t : moments) {
      INFO("certificate " << i << " at " << runtime::formatTime(t));
      CHECK(verifies(served[i].certPem, rotation_bundle, kHost, t));
      // A client holding only the old CA trusts the registry until the switch, not after.
      if (i + 1 < served.size() && served[i + 1].from <= switch_at) {
        CHECK(verifies(served[i].certPem, old_ca, kHost, t));
      }
      if (served[i].from >= switch_at) CHECK_FALSE(verifies(served[i].certPem, old_ca, kHost, t));
      ++samples;
    }
  }
  CHECK(samples > 150);
}

TEST_CASE("TLS rotation: a late rotation still gets half of what is left as overlap") {
  // The operator was off from 6 to 9 years: the CA is long due, the certificate has expired.
  auto [first, current, rotation] = renewedUntilRotation();
  const TimePoint late = kT0 + 9 * kYear;
  const TimePoint old_expiry = kT0 + 10 * kYear;
  TlsDecision decision = decideTls(storedFrom(current), names(), late, {});
  CHECK(decision.action == TlsAction::RotateCa);
  CHECK(decision.newServingCert);
  CHECK(decision.reason.find("issuing a new serving certificate with the current CA") !=
        std::string::npos);

  TlsOutcome rotated = ensureOk(storedFrom(current), late);
  CHECK(rotated.ca->certPem == first.ca->certPem);
  CHECK(verifies(rotated.serving.certPem, first.ca->certPem, kHost, late));
  CHECK(notAfterOf(rotated.serving.certPem) == old_expiry);
  // Half-way from the new CA's start (an hour early) to the old CA's expiry.
  const TimePoint switch_at = late - 1h + (old_expiry - (late - 1h)) / 2;
  CHECK(tlsSwitchTime(rotated.ca->certPem, rotated.ca->nextCertPem) == switch_at);
  CHECK(rotated.nextCheck == switch_at);
  CHECK(decideTls(storedFrom(rotated), names(), switch_at - 1s, {}).action == TlsAction::Reuse);
  TlsOutcome switched = ensureOk(storedFrom(rotated), switch_at);
  CHECK(switched.decision.action == TlsAction::SwitchCa);
  CHECK(verifies(switched.serving.certPem, rotated.ca->nextCertPem, kHost, switch_at));
  CHECK(switched.ca->previousCertPem == first.ca->certPem);
}

TEST_CASE("TLS rotation: unusable stored CAs during the overlap, with a clear reason") {
  auto [first, current, rotation] = renewedUntilRotation();
  TlsOutcome rotated = ensureOk(storedFrom(current), rotation);
  TlsOutcome other = ensureOk({}, kT0);
  const TimePoint now = rotation + 24h;

  SECTION("an unusable next CA is replaced while the current one is due") {
    struct Case {
      const char* what;
      std::function<void(StoredTls&)> corrupt;
      const char* reason;
    };
    const std::vector<Case> cases = {
        {"next key of another CA", [&](StoredTls& s) { s.ca.nextKeyPem = other.ca->keyPem; },
         "its key (next-ca.key) does not belong to its certificate (next-ca.crt)"},
        {"garbage next certificate", [](StoredTls& s) { s.ca.nextCertPem = "garbage"; },
         "its certificate (next-ca.crt) is missing or does not parse"},
        {"only a next certificate", [](StoredTls& s) { s.ca.nextKeyPem.clear(); },
         "its key (next-ca.key) is missing or does not parse"},
    };
    StoredTls unreadable = storedFrom(rotated);
    unreadable.ca.nextCertPem = "garbage";
    CHECK(nextTlsCheck(unreadable.ca, unreadable.serving) == TimePoint::min());  // look at once
    for (const auto& c : cases) {
      INFO(c.what);
      StoredTls stored = storedFrom(rotated);
      c.corrupt(stored);
      TlsDecision decision = decideTls(stored, names(), now, {});
      CHECK(decision.action == TlsAction::RotateCa);
      CHECK(decision.reason.find(std::string("the next CA is unusable (") + c.reason +
                                 ") and is replaced") != std::string::npos);
      CHECK(decision.reason.find("PRIVATE KEY") == std::string::npos);
      TlsOutcome fixed = ensureOk(stored, now);
      CHECK(fixed.ca->certPem == first.ca->certPem);
      CHECK(fixed.ca->nextCertPem != rotated.ca->nextCertPem);
      CHECK(fixed.serving == rotated.serving);
      CHECK(fixed.nextCheck > now);
    }
  }
  SECTION("an unusable next CA leaves the bundle while the current one is not due") {
    StoredTls stored = storedFrom(ensureOk({}, kT0));
    stored.ca.nextCertPem = rotated.ca->nextCertPem;
    stored.ca.nextKeyPem = "garbage";
    TlsOutcome fixed = ensureOk(stored, kT0 + 24h);
    CHECK(fixed.decision.action == TlsAction::Reuse);
    CHECK_FALSE(fixed.decision.keepsNextCa);
    CHECK(fixed.decision.reason ==
          "the CA and the serving certificate are sound; the next CA is unusable (its key "
          "(next-ca.key) is missing or does not parse) and leaves the bundle");
    CHECK_FALSE(fixed.ca->hasNext());
    CHECK(caBundleOf(objectsFor(fixed)) == stored.ca.certPem);
  }
  SECTION("an unusable current CA hands over to a sound next CA at once") {
    StoredTls stored = storedFrom(rotated);
    stored.ca.keyPem = other.ca->keyPem;
    TlsDecision decision = decideTls(stored, names(), now, {});
    CHECK(decision.action == TlsAction::SwitchCa);
    CHECK(decision.reason ==
          "the stored CA is unusable (its key (ca.key) does not belong to its certificate "
          "(ca.crt)): the next CA, already in the bundle, takes over at once");
    TlsOutcome switched = ensureOk(stored, now);
    CHECK(switched.ca->certPem == rotated.ca->nextCertPem);
    CHECK(switched.ca->previousCertPem.empty());  // not vouched for
    CHECK_FALSE(switched.ca->hasNext());
    CHECK(verifies(switched.serving.certPem, caBundleOf(objectsFor(rotated)), kHost, now));
  }
  SECTION("both unusable: a new CA") {
    StoredTls stored = storedFrom(rotated);
    stored.ca.keyPem = "garbage";
    stored.ca.nextKeyPem = "garbage";
    TlsDecision decision = decideTls(stored, names(), now, {});
    CHECK(decision.action == TlsAction::IssueCa);
    CHECK(decision.reason ==
          "the stored CA is unusable (its key (ca.key) is missing or does not parse): issuing a "
          "new CA; the next CA is unusable (its key (next-ca.key) is missing or does not parse)");
    TlsOutcome fixed = ensureOk(stored, now);
    CHECK(fixed.ca->certPem != first.ca->certPem);
    CHECK(fixed.ca->certPem != rotated.ca->nextCertPem);
    CHECK_FALSE(fixed.ca->hasNext());
  }
}

TEST_CASE("TLS: N-ca-key as an earlier version left it after a rotation is kept as it is") {
  // The earlier version switched at the rotation: current = the new CA, previous = the old one,
  // N-tls signed by the new CA. That is the state after the switch.
  TlsOutcome old_ca = ensureOk({}, kT0);
  TlsOutcome new_ca = ensureOk({}, kT0 + 7 * kYear);
  StoredTls stored = storedFrom(new_ca);
  stored.ca.previousCertPem = old_ca.ca->certPem;
  TlsOutcome kept = ensureOk(stored, kT0 + 7 * kYear + 24h);
  CHECK(kept.decision.action == TlsAction::Reuse);
  CHECK(*kept.ca == stored.ca);
  CHECK(kept.serving == stored.serving);
  CHECK(kept.nextCheck == new_ca.nextCheck);  // the certificate, due before the old CA expires
  CHECK(kept.nextCheck < kT0 + 10 * kYear);
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
         s.ca = {"", "", s.ca.certPem, "", ""};
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

TEST_CASE("TLS with short lifetimes (the e2e policy): renew, rotate, switch, drop on time") {
  // tests/e2e/tls_rotation.sh runs the operator with these lifetimes and expects these moments.
  auto policy = tlsPolicyFrom("2m", "1m");
  REQUIRE(policy.ok());
  TlsOutcome first = ensureOk({}, kT0, *policy);
  // 1 minute starting 6 s early: due with a third (22 s) left, 38 s after issue.
  CHECK(first.nextCheck == kT0 + 38s);
  TlsOutcome renewed = ensureOk(storedFrom(first), first.nextCheck, *policy);
  CHECK(renewed.decision.action == TlsAction::RenewCert);
  CHECK(*renewed.ca == *first.ca);
  // The CA (2 minutes starting 12 s early) is due 44 s before its end, at 76 s; so is the
  // certificate renewed at 38 s.
  CHECK(renewed.nextCheck == kT0 + 76s);

  TlsOutcome rotated = ensureOk(storedFrom(renewed), kT0 + 76s, *policy);
  CHECK(rotated.decision.action == TlsAction::RotateCa);
  CHECK(rotated.decision.newServingCert);  // by the old CA, up to its end at 120 s
  CHECK(rotated.ca->certPem == first.ca->certPem);
  CHECK(rotated.serving.caPem == first.ca->certPem);
  CHECK(verifies(rotated.serving.certPem, first.ca->certPem, kHost, kT0 + 76s));
  CHECK(notAfterOf(rotated.serving.certPem) == kT0 + 120s);
  // The switch: half-way from 76 s to 120 s.
  CHECK(rotated.nextCheck == kT0 + 98s);

  TlsOutcome switched = ensureOk(storedFrom(rotated), kT0 + 98s, *policy);
  CHECK(switched.decision.action == TlsAction::SwitchCa);
  CHECK(verifies(switched.serving.certPem, rotated.ca->nextCertPem, kHost, kT0 + 98s));
  CHECK(switched.ca->previousCertPem == first.ca->certPem);
  CHECK(switched.nextCheck == kT0 + 120s);

  TlsOutcome dropped = ensureOk(storedFrom(switched), kT0 + 120s, *policy);
  CHECK(dropped.decision.action == TlsAction::Reuse);
  CHECK(dropped.ca->previousCertPem.empty());
  CHECK(dropped.ca->certPem == rotated.ca->nextCertPem);
  CHECK(dropped.serving == switched.serving);
  // Then the certificate signed at 98 s is due at 136 s.
  CHECK(dropped.nextCheck == kT0 + 136s);

  // A reconcile a second late for the first renewal: the CA rotates alone at 76 s and the old
  // CA renews the certificate at 77 s, in the overlap; the switch stays at 98 s.
  TlsOutcome late = ensureOk(storedFrom(first), kT0 + 39s, *policy);
  CHECK(late.nextCheck == kT0 + 76s);
  TlsOutcome alone = ensureOk(storedFrom(late), kT0 + 76s, *policy);
  CHECK(alone.decision.action == TlsAction::RotateCa);
  CHECK_FALSE(alone.decision.newServingCert);
  CHECK(alone.serving == late.serving);
  CHECK(alone.nextCheck == kT0 + 77s);
  TlsOutcome overlap = ensureOk(storedFrom(alone), kT0 + 77s, *policy);
  CHECK(overlap.decision.action == TlsAction::RenewCert);
  CHECK(overlap.serving.caPem == first.ca->certPem);
  CHECK(overlap.ca->nextCertPem == alone.ca->nextCertPem);
  CHECK(overlap.nextCheck == kT0 + 98s);
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
                                               {kPreviousCaKey, outcome.ca->previousCertPem},
                                               {kNextCaKey, outcome.ca->nextCertPem},
                                               {kNextCaKeyKey, outcome.ca->nextKeyPem}}),
          secretWith("image-registry-tls", {{kTlsCertKey, outcome.serving.certPem},
                                            {kTlsKeyKey, outcome.serving.keyPem},
                                            {kCaKey, outcome.serving.caPem}}),
          secretWith("image-registry-private", {{kHttpSecretKey, "0123"}})};
}

struct Cluster {
  std::shared_ptr<testsupport::FakeApiServer> server =
      std::make_shared<testsupport::FakeApiServer>();
  runtime::StorePtr cache = std::make_shared<runtime::Store>();
  ObjectSource source{testsupport::FakeApiServer::clientFor(server), cache, nullptr};

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

TEST_CASE("gatherInputs: a stale cache cannot cause a second next CA or a second switch") {
  auto [first, current, rotation] = renewedUntilRotation();
  TlsOutcome rotated = ensureOk(storedFrom(current), rotation);
  REQUIRE(rotated.decision.action == TlsAction::RotateCa);

  // The API server has the next CA; the cache still shows the material before the rotation.
  Cluster rotating;
  for (const auto& secret : storedSecrets(rotated)) rotating.server->put(kSecrets, secret);
  for (const auto& secret : storedSecrets(current)) rotating.cache->upsert(secret);
  GatheredInputs gathered = rotating.gather(rotation + 1s);
  REQUIRE(gathered.inputs.ca);
  CHECK(*gathered.inputs.ca == *rotated.ca);  // the same next CA, byte for byte
  CHECK(gathered.inputs.tls == rotated.serving);
  CHECK(gathered.tlsDecision->action == TlsAction::Reuse);
  CHECK(*gathered.tlsRecheckAt == rotated.nextCheck);

  // The API server has switched; the cache still shows the overlap.
  TlsOutcome overlap = ensureOk(storedFrom(rotated), rotated.nextCheck);
  TlsOutcome switched = ensureOk(storedFrom(overlap), overlap.nextCheck);
  REQUIRE(switched.decision.action == TlsAction::SwitchCa);
  Cluster switching;
  for (const auto& secret : storedSecrets(switched)) switching.server->put(kSecrets, secret);
  for (const auto& secret : storedSecrets(overlap)) switching.cache->upsert(secret);
  GatheredInputs again = switching.gather(overlap.nextCheck + 1s);
  CHECK(*again.inputs.ca == *switched.ca);
  CHECK(again.inputs.tls == switched.serving);  // no second certificate, no second roll
  CHECK(again.tlsDecision->action == TlsAction::Reuse);

  // A sound cached state during the overlap asks the API server nothing.
  Cluster steady;
  for (const auto& secret : storedSecrets(rotated)) {
    steady.server->put(kSecrets, secret);
    steady.cache->upsert(secret);
  }
  GatheredInputs overlapping = steady.gather(rotation + 24h);
  CHECK(*overlapping.inputs.ca == *rotated.ca);
  CHECK(overlapping.tlsDecision->action == TlsAction::Reuse);
  CHECK(steady.secretReads() == 0);
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

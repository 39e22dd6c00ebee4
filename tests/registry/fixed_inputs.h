#pragma once

#include "registry/render/inputs.h"

namespace registry::testing {

// Deterministic stand-ins for generated material, so builder output (and the golden files) do
// not change from run to run. They are not valid PEM; the builders never parse them.
inline const TlsMaterial kFakeTls = {
    "-----BEGIN CERTIFICATE-----\nFAKE-CA\n-----END CERTIFICATE-----\n",
    "-----BEGIN CERTIFICATE-----\nFAKE-SERVING-CERT\n-----END CERTIFICATE-----\n",
    "-----BEGIN PRIVATE KEY-----\nFAKE-KEY\n-----END PRIVATE KEY-----\n"};
// The operator's CA (N-ca-key), here between a rotation's switch and the old CA's expiry so that
// the bundle in N-ca shows two CAs.
inline const CaMaterial kFakeCa = {
    "-----BEGIN CERTIFICATE-----\nFAKE-CA\n-----END CERTIFICATE-----\n",
    "-----BEGIN PRIVATE KEY-----\nFAKE-CA-KEY\n-----END PRIVATE KEY-----\n",
    "-----BEGIN CERTIFICATE-----\nFAKE-PREVIOUS-CA\n-----END CERTIFICATE-----\n", "", ""};
inline const char* const kFixedHttpSecret =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// The jobs' user of a registry with auth Htpasswd (N-jobs-credentials), not real bcrypt.
inline const GeneratedUser kFixedJobsUser = {
    "registry-operator-jobs", "FixedJobsPassword0123456789abcde",
    "registry-operator-jobs:$2b$10$FIXEDFIXEDFIXEDFIXEDFIxJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJ\n"};

inline Inputs kubernetesInputs() {
  Inputs inputs;
  inputs.httpSecret = kFixedHttpSecret;
  inputs.tls = kFakeTls;
  inputs.ca = kFakeCa;
  inputs.platform.platform = Platform::Kubernetes;
  inputs.platform.ingressDomain = "apps.example.com";
  inputs.platform.registryImage = "docker.io/library/registry:2";
  inputs.platform.operatorImage = "registry-operator:test";
  return inputs;
}

inline Inputs openshiftInputs() {
  Inputs inputs = kubernetesInputs();
  inputs.platform.platform = Platform::OpenShift;
  inputs.platform.ingressDomain.clear();
  // service-ca's material, passed only for the hash; service-ca keeps its own CA.
  inputs.tls = kFakeTls;
  inputs.ca.reset();
  return inputs;
}

}  // namespace registry::testing

#include "kube/base64.h"
#include "registry/render/builders.h"
#include "registry/render/feature_support.h"
#include "registry/render/labels.h"
#include "registry/render/object_names.h"

namespace registry {

kube::Json buildPrivateSecret(const RegistryConfig& config, const Inputs& inputs) {
  kube::Json secret =
      newOwnedObject(config, "v1", "Secret", privateSecretName(config), kComponentRegistry);
  secret["type"] = "Opaque";
  kube::Json data = kube::Json::object();
  if (!inputs.httpSecret.empty()) data[kHttpSecretKey] = kube::base64Encode(inputs.httpSecret);
  secret["data"] = std::move(data);
  return secret;
}

namespace {

kube::Json generatedUserSecret(const RegistryConfig& config, const std::string& name,
                               const GeneratedUser& user) {
  kube::Json secret = newOwnedObject(config, "v1", "Secret", name, kComponentRegistry);
  // The type kubectl and other tools know for a user name and a password.
  secret["type"] = "kubernetes.io/basic-auth";
  secret["data"] = {{kUsernameKey, kube::base64Encode(user.username)},
                    {kPasswordKey, kube::base64Encode(user.password)},
                    {kHtpasswdKey, kube::base64Encode(user.htpasswd)}};
  return secret;
}

}  // namespace

std::optional<kube::Json> buildAdminSecret(const RegistryConfig& config, const Inputs& inputs) {
  if (!config.spec.auth.generatesAdmin() || !inputs.initialAdmin) return std::nullopt;
  return generatedUserSecret(config, adminSecretName(config), *inputs.initialAdmin);
}

std::optional<kube::Json> buildJobsCredentialsSecret(const RegistryConfig& config,
                                                     const Inputs& inputs) {
  if (!jobsNeedCredentials(config) || !inputs.jobsUser) return std::nullopt;
  return generatedUserSecret(config, jobsCredentialsName(config), *inputs.jobsUser);
}

std::optional<kube::Json> buildHtpasswdSecret(const RegistryConfig& config, const Inputs& inputs) {
  if (config.spec.auth.type != AuthType::Htpasswd || config.spec.auth.usersSecret.empty()) {
    return std::nullopt;
  }
  kube::Json secret =
      newOwnedObject(config, "v1", "Secret", htpasswdSecretName(config), kComponentRegistry);
  secret["type"] = "Opaque";
  kube::Json data = kube::Json::object();
  if (inputs.htpasswd) data[kHtpasswdKey] = kube::base64Encode(*inputs.htpasswd);
  secret["data"] = std::move(data);
  return secret;
}

std::optional<kube::Json> buildTokenSigningSecret(const RegistryConfig& config,
                                                  const Inputs& inputs) {
  if (config.spec.auth.type != AuthType::Kubernetes || !inputs.tokenSigning) return std::nullopt;
  kube::Json secret =
      newOwnedObject(config, "v1", "Secret", tokenSigningSecretName(config), kComponentRegistry);
  secret["type"] = "Opaque";
  secret["data"] = {{kSigningCertKey, kube::base64Encode(inputs.tokenSigning->certPem)},
                    {kSigningKeyKey, kube::base64Encode(inputs.tokenSigning->keyPem)}};
  return secret;
}

kube::Json buildConfigSecret(const RegistryConfig& config, const Inputs& inputs,
                             const std::string& config_yaml) {
  kube::Json secret =
      newOwnedObject(config, "v1", "Secret", configSecretName(config), kComponentRegistry);
  secret["type"] = "Opaque";
  kube::Json data = {{kConfigKey, kube::base64Encode(config_yaml)}};
  // Copies of the user's files, so that the pod depends on one operator-owned Secret whose
  // content is covered by the config hash.
  if (config.spec.auth.type == AuthType::Htpasswd && inputs.htpasswd) {
    data[kHtpasswdKey] = kube::base64Encode(*inputs.htpasswd);
  }
  if (config.spec.auth.type == AuthType::Kubernetes && inputs.tokenSigning) {
    data[kTokenCertKey] = kube::base64Encode(inputs.tokenSigning->certPem);
  }
  secret["data"] = std::move(data);
  return secret;
}

namespace {

bool operatorIssuesTls(const RegistryConfig& config, const Inputs& inputs) {
  return config.spec.tls.mode == TlsMode::Auto && inputs.platform.platform == Platform::Kubernetes;
}

}  // namespace

std::optional<kube::Json> buildTlsSecret(const RegistryConfig& config, const Inputs& inputs) {
  if (!operatorIssuesTls(config, inputs) || !inputs.tls) return std::nullopt;
  kube::Json secret =
      newOwnedObject(config, "v1", "Secret", tlsSecretName(config), kComponentRegistry);
  secret["type"] = "kubernetes.io/tls";
  secret["data"] = {{kTlsCertKey, kube::base64Encode(inputs.tls->certPem)},
                    {kTlsKeyKey, kube::base64Encode(inputs.tls->keyPem)},
                    {kCaKey, kube::base64Encode(inputs.tls->caPem)}};
  return secret;
}

std::optional<kube::Json> buildCaKeySecret(const RegistryConfig& config, const Inputs& inputs) {
  if (!operatorIssuesTls(config, inputs) || !inputs.ca) return std::nullopt;
  kube::Json secret =
      newOwnedObject(config, "v1", "Secret", caKeySecretName(config), kComponentRegistry);
  secret["type"] = "Opaque";
  kube::Json data = {{kCaKey, kube::base64Encode(inputs.ca->certPem)},
                     {kCaKeyKey, kube::base64Encode(inputs.ca->keyPem)}};
  if (!inputs.ca->previousCertPem.empty()) {
    data[kPreviousCaKey] = kube::base64Encode(inputs.ca->previousCertPem);
  }
  if (inputs.ca->hasNext()) {
    data[kNextCaKey] = kube::base64Encode(inputs.ca->nextCertPem);
    data[kNextCaKeyKey] = kube::base64Encode(inputs.ca->nextKeyPem);
  }
  secret["data"] = std::move(data);
  return secret;
}

std::optional<kube::Json> buildCaConfigMap(const RegistryConfig& config, const Inputs& inputs) {
  if (config.spec.tls.mode != TlsMode::Auto) return std::nullopt;
  kube::Json config_map =
      newOwnedObject(config, "v1", "ConfigMap", caConfigMapName(config), kComponentRegistry);
  if (inputs.platform.platform == Platform::OpenShift) {
    // service-ca fills in `service-ca.crt`; the operator must not own (and so fight over) data.
    config_map["metadata"]["annotations"] = {{"service.beta.openshift.io/inject-cabundle", "true"}};
    return config_map;
  }
  if (inputs.ca && operatorIssuesTls(config, inputs)) {
    config_map["data"] = {{kCaKey, caBundle(*inputs.ca)}};
    return config_map;
  }
  if (!inputs.tls) return std::nullopt;
  config_map["data"] = {{kCaKey, inputs.tls->caPem}};
  return config_map;
}

}  // namespace registry

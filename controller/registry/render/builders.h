#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kube/object.h"
#include "kube/resource.h"
#include "kube/result.h"
#include "registry/api/registry_config.h"
#include "registry/render/inputs.h"

namespace registry {

// Pure builders: a parsed RegistryConfig N in namespace S plus Inputs → the objects the operator
// wants to exist (docs/design.md §3). Every object has apiVersion, kind, metadata.name/namespace,
// the app.kubernetes.io labels and (when the CR has a uid) a controller ownerReference.
// managementState is not looked at here: the reconciler decides whether to apply or delete.

// Everything, dependencies first: ServiceAccount, Secrets (N-private, N-admin,
// N-jobs-credentials, N-htpasswd, N-token-signing, N-config, N-ca-key, N-tls), ConfigMap N-ca, PVC,
// Service, Deployment, Ingresses or Routes, the jobs' identity, the pruner and mirror CronJobs,
// PodDisruptionBudget, HorizontalPodAutoscaler, node-ca.
// Fails only when the user's config bundle is malformed (kind Invalid, naming
// spec.configBundleSecret). The Deployment's config hash equals configHash() of the same input.
kube::Result<std::vector<kube::Json>> desiredObjects(const RegistryConfig& config,
                                                     const Inputs& inputs);

// The pieces desiredObjects uses. A builder returning std::nullopt means "this object should not
// exist" for this CR and platform (the reconciler deletes it if it finds one).
kube::Json buildServiceAccount(const RegistryConfig& config);
// N-private: the generated httpSecret, kept across reconciles (key httpSecret).
kube::Json buildPrivateSecret(const RegistryConfig& config, const Inputs& inputs);
// N-admin (kubernetes.io/basic-auth) while the operator generates the first admin
// (AuthSpec::generatesAdmin) and Inputs.initialAdmin is set: keys username, password and
// htpasswd (the bcrypt entry, kept so that it is not made anew: initial_admin.h).
std::optional<kube::Json> buildAdminSecret(const RegistryConfig& config, const Inputs& inputs);
// N-jobs-credentials (kubernetes.io/basic-auth) while the jobs log in with a user of their own
// (jobsNeedCredentials) and Inputs.jobsUser is set: the same keys as N-admin. Its password is
// mounted into the pruner's and mirrors' pods.
std::optional<kube::Json> buildJobsCredentialsSecret(const RegistryConfig& config,
                                                     const Inputs& inputs);
// N-htpasswd (Opaque) with auth type Htpasswd and spec.auth.usersSecret: key htpasswd, the
// htpasswd rendered from it (Inputs.htpasswd, the jobs' entry included; no data while that is
// absent, and the reconciler then holds it). No pod mounts it: N-config carries the copy the
// registry reads.
std::optional<kube::Json> buildHtpasswdSecret(const RegistryConfig& config, const Inputs& inputs);
// N-token-signing (Opaque) with auth type Kubernetes and Inputs.tokenSigning set: the token
// service's signing key (signing.key) and its certificate (signing.crt). Only the token
// service's container mounts it; the registry gets the certificate through N-config.
std::optional<kube::Json> buildTokenSigningSecret(const RegistryConfig& config,
                                                  const Inputs& inputs);
// N-config: config.yml (+ htpasswd, token-ca.crt when auth needs them), as base64 `data`.
kube::Json buildConfigSecret(const RegistryConfig& config, const Inputs& inputs,
                             const std::string& config_yaml);
// N-tls (kubernetes.io/tls) when the operator issues TLS: mode Auto on Kubernetes and material
// in Inputs.tls. (On OpenShift service-ca writes N-tls; with mode Secret the user owns it.)
std::optional<kube::Json> buildTlsSecret(const RegistryConfig& config, const Inputs& inputs);
// N-ca-key (Opaque) when the operator issues TLS and Inputs.ca is set: the operator's current CA
// (ca.crt), its key (ca.key) and, during a staged rotation (tls_issuer.h), the next CA and its key
// (next-ca.crt, next-ca.key; before the switch) or the previous CA (previous-ca.crt; after it).
// No pod mounts it.
std::optional<kube::Json> buildCaKeySecret(const RegistryConfig& config, const Inputs& inputs);
// N-ca: the CA clients trust. Kubernetes: ca.crt = caBundle(Inputs.ca) (the next CA, the current
// CA, the previous CA: those stored), or Inputs.tls's CA when there is no Inputs.ca; OpenShift:
// empty and annotated for service-ca to inject service-ca.crt.
std::optional<kube::Json> buildCaConfigMap(const RegistryConfig& config, const Inputs& inputs);
// N-storage when storage is pvc without an explicit claim.
std::optional<kube::Json> buildStorageClaim(const RegistryConfig& config);
kube::Json buildService(const RegistryConfig& config, const Inputs& inputs);
kube::Json buildDeployment(const RegistryConfig& config, const Inputs& inputs,
                           const std::string& config_hash);
// Ingresses (Kubernetes) or Routes (OpenShift): N-default-route when spec.defaultRoute (on
// Kubernetes only when defaultRouteHost() can form its host), then one per spec.routes[].
std::vector<kube::Json> buildRoutes(const RegistryConfig& config, const Inputs& inputs);
// N-pruner unless spec.components marks the pruner unmanaged, or the registry requires
// credentials the pruner does not have (see feature_support.h).
std::optional<kube::Json> buildPrunerCronJob(const RegistryConfig& config, const Inputs& inputs);
// One CronJob N-mirror-<name> per spec.mirrors[] entry, running `registry-operator mirror` on
// a schedule from its interval (interval_schedule.h), unless the mirror component is unmanaged
// or the registry requires credentials the jobs do not have (see feature_support.h).
std::vector<kube::Json> buildMirrorCronJobs(const RegistryConfig& config, const Inputs& inputs);
// ServiceAccount, Role and RoleBinding N-jobs while the pruner or a mirror CronJob exists: their
// pods may read this RegistryConfig and patch its status, nothing more.
std::vector<kube::Json> buildJobsIdentity(const RegistryConfig& config);
// PodDisruptionBudget N when more than one replica always runs (spec.replicas, or the
// autoscaler's minReplicas) and the component is managed.
std::optional<kube::Json> buildPodDisruptionBudget(const RegistryConfig& config);
// HorizontalPodAutoscaler N (autoscaling/v2, CPU utilization) while the autoscaling component is
// managed; the Deployment then leaves replicas to it.
std::optional<kube::Json> buildHorizontalPodAutoscaler(const RegistryConfig& config);
// While nodeCA or nodeResolver is managed: ServiceAccount, Role and RoleBinding N-node-ca (it
// may read its own DaemonSet) and DaemonSet N-node-ca, which runs `registry-operator node-ca` on
// every node with hostPath volumes: the registry's CA under each hostname in the node's
// docker, containers and containerd certs.d (nodeCA, with TLS), and N.S.svc in /etc/hosts
// (nodeResolver, once Service N has its ClusterIP). The one workload that is not "restricted".
std::vector<kube::Json> buildNodeCa(const RegistryConfig& config, const Inputs& inputs);

// ClusterRoles registry-viewer (get, list on repositories.imageregistry.io; aggregated to view,
// edit and admin) and registry-editor (also update and delete; aggregated to edit and admin):
// what auth type Kubernetes decides pull, push and delete by. Shared by every RegistryConfig,
// so not owned by any.
std::vector<kube::Json> buildRegistryClusterRoles();

// Kinds the operator may create for a CR on `platform`, so the reconciler can watch them and
// delete owned objects that desiredObjects no longer returns.
std::vector<kube::Resource> ownedResources(Platform platform);

}  // namespace registry

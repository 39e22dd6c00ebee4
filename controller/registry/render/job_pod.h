#pragma once

#include <optional>
#include <string>

#include "kube/object.h"
#include "registry/api/htpasswd_user.h"
#include "registry/api/registry_config.h"
#include "registry/render/inputs.h"

namespace registry {

// What the operator's jobs (the pruner, the mirrors) share: they run the operator's image as
// ServiceAccount N-jobs, reach the registry through its Service and trust the CA the operator
// knows signed its certificate.

// The registry's URL through its Service: https://N.S.svc:5000 (http:// without TLS).
std::string serviceRegistryUrl(const RegistryConfig& config);

// Where a job finds the registry's CA (for --ca-file), when the operator knows it: its own CA
// (tls mode Auto on Kubernetes) or service-ca's (OpenShift), both in ConfigMap N-ca. With a
// user's TLS Secret the jobs trust the system's CAs.
std::optional<std::string> registryCaFile(const RegistryConfig& config, const Inputs& inputs);

// Where a job finds the password of the jobs' user (jobsNeedCredentials: auth Htpasswd), whose
// name is kJobsUser: key password of Secret N-jobs-credentials, mounted by jobPodSpec.
std::optional<std::string> registryPasswordFile(const RegistryConfig& config);

// The pod spec of a job running `container` (name, command, resources): restricted security
// contexts, ServiceAccount N-jobs with its token (the job reports in the CR's status), never
// restarted (the CronJob's next run retries), N-ca mounted when registryCaFile() is set, and the
// jobs' password (only that key) when registryPasswordFile() is.
// `volumes` and the container's own volumeMounts are kept.
kube::Json jobPodSpec(const RegistryConfig& config, const Inputs& inputs, kube::Json container,
                      kube::Json volumes = kube::Json::array());

}  // namespace registry

#include "registry/security_context.h"

namespace registry {

kube::Json restrictedPodSecurityContext(const PlatformOptions& platform) {
  kube::Json context = {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  // No runAsUser by default: OpenShift assigns one from the namespace's range and refuses pods
  // that pick their own outside it.
  if (platform.runAsUser) {
    context["runAsUser"] = *platform.runAsUser;
    context["fsGroup"] = *platform.runAsUser;
  }
  return context;
}

kube::Json restrictedContainerSecurityContext() {
  return {{"allowPrivilegeEscalation", false},
          {"readOnlyRootFilesystem", true},
          {"runAsNonRoot", true},
          {"capabilities", {{"drop", kube::Json::array({"ALL"})}}},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

}  // namespace registry

#include "registry/render/security_context.h"

#include <charconv>

namespace registry {

namespace {

constexpr std::int64_t kMaxId = 2147483647;  // Kubernetes' limit for runAsUser and runAsGroup

// A UID must not be 0 (runAsNonRoot); a GID may be (OpenShift images often use group 0).
kube::Result<std::int64_t> parseId(const std::string& flag, const std::string& value,
                                   std::int64_t min) {
  std::int64_t id = 0;
  const char* end = value.data() + value.size();
  auto [ptr, error] = std::from_chars(value.data(), end, id);
  if (value.empty() || error != std::errc() || ptr != end || id < min || id > kMaxId) {
    return kube::Error(kube::ErrorKind::Config,
                       "--" + flag + " must be a numeric ID from " + std::to_string(min) +
                           " to 2147483647" +
                           (flag == "run-as-user" ? " (the pods run as non-root), or auto" : "") +
                           "; got \"" + value + "\"");
  }
  return id;
}

}  // namespace

std::optional<PodIdentity> podIdentity(const PlatformOptions& platform) {
  switch (platform.runAs.source) {
    case RunAs::Source::Explicit:
      return PodIdentity{platform.runAs.user, platform.runAs.group.value_or(platform.runAs.user)};
    case RunAs::Source::Platform:
      return std::nullopt;
    case RunAs::Source::Default:
      break;
  }
  if (platform.platform == Platform::OpenShift) return std::nullopt;
  return PodIdentity{kDefaultRunAsUser, kDefaultRunAsUser};
}

kube::Result<RunAs> parseRunAs(const std::string& user_flag, const std::string& group_flag) {
  RunAs run_as;
  if (user_flag.empty()) {
    if (!group_flag.empty()) {
      return kube::Error(kube::ErrorKind::Config, "--run-as-group needs a numeric --run-as-user");
    }
    return run_as;
  }
  if (user_flag == "auto" || user_flag == "platform") {
    if (!group_flag.empty()) {
      return kube::Error(kube::ErrorKind::Config,
                         "--run-as-group needs a numeric --run-as-user, not " + user_flag);
    }
    run_as.source = RunAs::Source::Platform;
    return run_as;
  }
  auto user = parseId("run-as-user", user_flag, 1);
  if (!user) return user.error();
  run_as.source = RunAs::Source::Explicit;
  run_as.user = *user;
  if (!group_flag.empty()) {
    auto group = parseId("run-as-group", group_flag, 0);
    if (!group) return group.error();
    run_as.group = *group;
  }
  return run_as;
}

kube::Json restrictedPodSecurityContext(const PlatformOptions& platform) {
  kube::Json context = {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  if (auto identity = podIdentity(platform)) {
    context["runAsUser"] = identity->user;
    context["runAsGroup"] = identity->group;
    context["fsGroup"] = identity->group;
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

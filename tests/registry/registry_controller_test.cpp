#include <catch2/catch.hpp>

#include "registry/reconcile/registry_controller.h"

TEST_CASE("a Secret maps to the RegistryConfigs of its namespace that name it") {
  auto cr = [](const char* ns, const char* name, kube::Json spec) {
    return std::make_shared<const kube::Json>(
        kube::Json{{"metadata", {{"namespace", ns}, {"name", name}}}, {"spec", spec}});
  };
  std::vector<std::shared_ptr<const kube::Json>> crs = {
      cr("a", "bundle", {{"configBundleSecret", "s"}}),
      cr("a", "htpasswd", {{"auth", {{"type", "Htpasswd"}, {"htpasswdSecret", "s"}}}}),
      cr("a", "tls", {{"tls", {{"mode", "Secret"}, {"secretName", "s"}}}}),
      cr("a", "s3", {{"storage", {{"s3", {{"credentialsSecret", "s"}}}}}}),
      cr("a", "other", {{"configBundleSecret", "t"}}),
      cr("b", "elsewhere", {{"configBundleSecret", "s"}}),
      cr("a", "garbage", {{"configBundleSecret", 5}, {"tls", "x"}}),
  };
  kube::Json secret = {{"metadata", {{"namespace", "a"}, {"name", "s"}}}};
  using Keys = std::vector<runtime::ObjectKey>;
  CHECK(registry::registryConfigsReferencing(secret, crs) ==
        Keys{{"a", "bundle"}, {"a", "htpasswd"}, {"a", "tls"}, {"a", "s3"}});
  // N-tls (written by service-ca on OpenShift, without an ownerReference) maps to N.
  kube::Json tls = {{"metadata", {{"namespace", "a"}, {"name", "bundle-tls"}}}};
  CHECK(registry::registryConfigsReferencing(tls, crs) == Keys{{"a", "bundle"}});
}

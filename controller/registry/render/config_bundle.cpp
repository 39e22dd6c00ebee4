#include "registry/render/config_bundle.h"

#include "kube/base64.h"
#include "registry/render/object_names.h"

namespace registry {

namespace {

// The value of `key` in the Secret's data, or nullptr when absent or null.
const kube::Json* dataValue(const kube::Json& secret, const std::string& key) {
  const kube::Json& data = kube::at(secret, "/data");
  if (!data.is_object()) return nullptr;
  auto it = data.find(key);
  return it == data.end() || it->is_null() ? nullptr : &*it;
}

kube::Error unavailable(const std::string& secret_name, const std::string& what) {
  return kube::Error(kube::ErrorKind::Invalid,
                     "spec.configBundleSecret: Secret \"" + secret_name + "\" " + what, 0,
                     "ConfigBundleUnavailable");
}

}  // namespace

kube::Result<ConfigBundle> configBundleFrom(const kube::Json& secret,
                                            const std::string& secret_name) {
  const kube::Json* yml = dataValue(secret, kBundleConfigKey);
  const kube::Json* yaml = dataValue(secret, kBundleConfigAltKey);
  const bool has_yml = yml != nullptr;
  const bool has_yaml = yaml != nullptr;
  if (!has_yml && !has_yaml) {
    return unavailable(secret_name, std::string("has neither key \"") + kBundleConfigKey +
                                        "\" nor \"" + kBundleConfigAltKey + "\"");
  }
  ConfigBundle bundle;
  bundle.key = has_yml ? kBundleConfigKey : kBundleConfigAltKey;
  const kube::Json& value = has_yml ? *yml : *yaml;
  std::optional<std::string> decoded;
  if (value.is_string()) decoded = kube::base64Decode(value.get<std::string>());
  if (!decoded) {
    return unavailable(secret_name, "key \"" + bundle.key + "\" is not valid base64 data");
  }
  bundle.content = std::move(*decoded);
  if (has_yml && has_yaml) {
    bundle.ignoredWarning = std::string("spec.configBundleSecret: Secret \"") + secret_name +
                            "\" has both \"" + kBundleConfigKey + "\" and \"" +
                            kBundleConfigAltKey + "\"; \"" + kBundleConfigAltKey +
                            "\" is ignored, \"" + kBundleConfigKey + "\" is used";
  }
  return bundle;
}

}  // namespace registry

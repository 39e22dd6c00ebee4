#pragma once

#include <optional>
#include <string>

#include "kube/object.h"
#include "kube/result.h"

namespace registry {

// The registry configuration held by the user's spec.configBundleSecret. It is read from key
// `config.yml` (the registry's own file name) or `config.yaml` (the Quay-style Secret of OKD's
// documentation); when both are present `config.yml` wins and `config.yaml` is ignored.
struct ConfigBundle {
  std::string key;      // the key read: kBundleConfigKey or kBundleConfigAltKey
  std::string content;  // its decoded value
  // Set when `config.yaml` was present but ignored for `config.yml`: a message for a Warning
  // Event and the log, naming the field and the Secret (never the content).
  std::optional<std::string> ignoredWarning;
};

// The bundle in `secret` (a v1 Secret named `secret_name`), or an Error (kind Invalid, reason
// ConfigBundleUnavailable) whose message names spec.configBundleSecret, the Secret and both keys
// when neither key is there, or the key when its value is not valid base64. Pure; never throws.
kube::Result<ConfigBundle> configBundleFrom(const kube::Json& secret,
                                            const std::string& secret_name);

}  // namespace registry

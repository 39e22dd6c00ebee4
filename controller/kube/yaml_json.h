#pragma once

#include <string>
#include <vector>

#include "kube/object.h"
#include "kube/result.h"

namespace kube {

// YAML ↔ JSON for manifests, kubeconfigs and the registry's config.yml. Scalars keep YAML 1.2
// core-schema types (true/false, integers, floats, null); quoted scalars stay strings.
Result<Json> yamlToJson(const std::string& yaml_text);
Result<std::vector<Json>> yamlDocumentsToJson(const std::string& yaml_text);
std::string jsonToYaml(const Json& document);

}  // namespace kube

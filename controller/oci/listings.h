#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kube/result.h"

namespace oci {

// The bodies of the two listing endpoints. A null or absent list is empty (distribution sends
// `"tags": null` for a repository whose tags were all deleted).

// GET /v2/_catalog: {"repositories": ["a", "team/b"]}
kube::Result<std::vector<std::string>> parseCatalog(std::string_view body);

// GET /v2/<name>/tags/list: {"name": "team/b", "tags": ["1", "latest"]}
kube::Result<std::vector<std::string>> parseTagList(std::string_view body);

}  // namespace oci

#include "oci/listings.h"

#include "oci/json_fields.h"

namespace oci {

kube::Result<std::vector<std::string>> parseCatalog(std::string_view body) {
  auto document = parseJsonObject(body, "catalog");
  if (!document) return document.error();
  return stringArray(*document, "repositories", "");
}

kube::Result<std::vector<std::string>> parseTagList(std::string_view body) {
  auto document = parseJsonObject(body, "tag list");
  if (!document) return document.error();
  return stringArray(*document, "tags", "");
}

}  // namespace oci

#include "kube/discovery.h"

#include "kube/object.h"

namespace kube {

Result<bool> isServed(Client& client, const std::string& group, const std::string& version,
                      const std::string& kind) {
  HttpRequest request;
  request.target = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  auto response = client.send(request);
  if (!response) {
    if (response.error().is(ErrorKind::NotFound)) return false;
    return response.error();
  }
  auto document = Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  const Json& resources = at(document, "/resources");
  if (!resources.is_array()) {
    return Error(ErrorKind::Decode, "discovery of " + request.target + ": no resources list");
  }
  for (const auto& resource : resources) {
    if (resource.is_object() && resource.value("kind", Json()) == kind) return true;
  }
  return false;
}

Result<std::string> serverVersion(Client& client) {
  HttpRequest request;
  request.target = "/version";
  auto response = client.send(request);
  if (!response) return response.error();
  auto document = Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  const Json& version = at(document, "/gitVersion");
  if (!version.is_string()) return Error(ErrorKind::Decode, "/version has no gitVersion");
  return version.get<std::string>();
}

}  // namespace kube

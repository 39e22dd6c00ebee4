#include "runtime/owner_reference.h"

namespace runtime {

namespace {

std::string stringField(const kube::Json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool boolField(const kube::Json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

std::optional<OwnerReference> controllerOf(const kube::Object& object) {
  const auto& refs = kube::at(object, "/metadata/ownerReferences");
  if (!refs.is_array()) return std::nullopt;
  for (const auto& ref : refs) {
    if (!ref.is_object() || !boolField(ref, "controller")) continue;
    return OwnerReference{stringField(ref, "apiVersion"),
                          stringField(ref, "kind"),
                          stringField(ref, "name"),
                          stringField(ref, "uid"),
                          true,
                          boolField(ref, "blockOwnerDeletion")};
  }
  return std::nullopt;
}

kube::Json controllerReference(const kube::Object& owner) {
  return {{"apiVersion", kube::at(owner, "/apiVersion", "")},
          {"kind", kube::at(owner, "/kind", "")},
          {"name", kube::name(owner)},
          {"uid", kube::uid(owner)},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

std::string groupOf(const std::string& api_version) {
  const auto slash = api_version.find('/');
  return slash == std::string::npos ? std::string() : api_version.substr(0, slash);
}

}  // namespace runtime

#include "registry/api/field_errors.h"

namespace registry {

std::string FieldErrors::describe() const {
  std::string text;
  for (const auto& error : errors_) {
    if (!text.empty()) text += "; ";
    text += error.describe();
  }
  return text;
}

kube::Error FieldErrors::toError() const {
  return kube::Error(kube::ErrorKind::Invalid, describe(), 0, "InvalidSpec");
}

}  // namespace registry

#pragma once

#include <string>
#include <vector>

#include "kube/error.h"

namespace registry {

// One problem with one field of a CR, e.g. {"spec.replicas", "must be >= 0"}.
struct FieldError {
  std::string path;
  std::string message;

  std::string describe() const { return path + ": " + message; }
  bool operator==(const FieldError&) const = default;
};

// Collects every problem of a CR, so that the user sees them all in one condition instead of
// fixing them one apply at a time.
class FieldErrors {
 public:
  void add(std::string path, std::string message) {
    errors_.push_back({std::move(path), std::move(message)});
  }
  bool empty() const { return errors_.empty(); }
  const std::vector<FieldError>& all() const { return errors_; }
  // All problems joined by "; ", in the order found.
  std::string describe() const;
  // An Error of kind Invalid carrying describe(); only meaningful when !empty().
  kube::Error toError() const;

 private:
  std::vector<FieldError> errors_;
};

}  // namespace registry

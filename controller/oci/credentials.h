#pragma once

#include <string>

namespace oci {

// Who a client is to a registry (its user name and password, or what a pull secret says). Both
// empty: anonymous. The password never goes into an error message or a log line.
struct Credentials {
  std::string username;
  std::string password;

  bool anonymous() const { return username.empty() && password.empty(); }
};

}  // namespace oci

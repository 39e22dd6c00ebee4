#pragma once

#include <string>
#include <string_view>

namespace runtime {

// SHA-256 of `data` as 64 lowercase hex characters (OpenSSL EVP).
std::string sha256Hex(std::string_view data);

}  // namespace runtime

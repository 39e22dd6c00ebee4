#pragma once

#include <cstddef>
#include <string>

namespace runtime {

// Lowercase hex of a byte buffer (digests, random secrets).
std::string toHex(const unsigned char* bytes, std::size_t size);

}  // namespace runtime

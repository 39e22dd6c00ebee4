#include "runtime/sha256.h"

#include <cstdlib>

#include <openssl/evp.h>

#include "runtime/hex.h"

namespace runtime {

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // EVP_Digest only fails on allocation failure; treat that as the programming-level fault it
  // is rather than threading an error through every caller.
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  return toHex(digest, size);
}

}  // namespace runtime

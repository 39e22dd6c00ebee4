#pragma once

#include <string>
#include <string_view>

#include "kube/result.h"

namespace registry::token {

// The key ID libtrust gives a public key, which distribution 2.8 uses to find the certificate
// of its `rootcertbundle` that verifies a token (the JWT header's `kid`): the SHA-256 of the
// DER SubjectPublicKeyInfo, its first 240 bits in base32 (RFC 4648 alphabet, no padding), 48
// characters written as 12 groups of 4 joined by ':'. A kid the registry does not know makes it
// refuse every token, so this must match libtrust to the character.
std::string libtrustKeyId(std::string_view subject_public_key_info_der);

// The libtrust key ID of the public key of the first certificate in `certificate_pem`.
kube::Result<std::string> libtrustKeyIdOfCertificate(const std::string& certificate_pem);

}  // namespace registry::token

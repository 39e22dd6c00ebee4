// What a registry (or anything posing as one) sends the prune command: manifest, index, config,
// catalog, tag list, token and error bodies, and the WWW-Authenticate and Link headers. The first
// byte picks the parser, so that one corpus reaches them all; never a crash, whatever comes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "oci/bearer_token.h"
#include "oci/image_config.h"
#include "oci/link_header.h"
#include "oci/listings.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "oci/names.h"
#include "oci/registry_error.h"
#include "oci/url.h"
#include "oci/www_authenticate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0: {
      // The body with each Content-Type a registry may send for it.
      for (std::string_view type : {oci::kOciManifest, oci::kOciIndex, oci::kDockerManifest,
                                    oci::kDockerManifestList, std::string_view()}) {
        auto manifest = oci::parseManifest(input, type);
        if (!manifest) continue;
        (void)manifest->isIndex();
        for (const auto& entry : manifest->manifests)
          (void)oci::isValidDigest(entry.descriptor.digest);
      }
      break;
    }
    case 1:
      (void)oci::parseImageCreated(input);
      break;
    case 2:
      (void)oci::parseCatalog(input);
      (void)oci::parseTagList(input);
      break;
    case 3: {
      auto error = oci::registryError("GET /v2/x", 400 + static_cast<int>(size % 200), input);
      (void)error.describe();
      break;
    }
    case 4: {
      auto challenges = oci::parseWwwAuthenticate(input);
      if (const oci::Challenge* bearer = oci::findChallenge(challenges, "bearer")) {
        (void)oci::tokenRequestUrl(*bearer, "repository:a/b:pull");
      }
      break;
    }
    case 5: {
      auto next = oci::nextLink(input);
      if (next) (void)oci::splitUrl(*next);
      break;
    }
    case 6:
      (void)oci::parseTokenResponse(input);
      break;
    default:
      (void)oci::isValidRepositoryName(input);
      (void)oci::isValidTag(input);
      (void)oci::isValidDigest(input);
      (void)oci::splitUrl(input);
      (void)oci::percentEncode(input);
      (void)oci::stripMediaTypeParameters(input);
      break;
  }
  return 0;
}

// mint_token: a registry token signed by the token service's own Signer, for the registry tier
// (tests/registry-tier/token_auth.sh), which has no API server to review with. Test-only; not
// part of the product binary.
//
//   mint_token KEY CERT SERVICE TTL_SECONDS SUBJECT [SCOPE...]
//
// Each SCOPE is granted as it is written (repository:team-a/app:pull,push). Prints the token.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "registry/token/scope.h"
#include "registry/token/signer.h"

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: mint_token KEY CERT SERVICE TTL_SECONDS SUBJECT [SCOPE...]\n";
    return 2;
  }
  registry::token::SignerOptions options;
  options.audience = argv[3];
  const std::chrono::seconds ttl(std::atol(argv[4]));
  auto signer = registry::token::Signer::fromFiles(argv[1], argv[2], options);
  if (!signer) {
    std::cerr << "mint_token: " << signer.error().message() << "\n";
    return 1;
  }
  std::vector<std::string> values(argv + 6, argv + argc);
  auto access = registry::token::parseScopes(values);
  if (!access) {
    std::cerr << "mint_token: " << access.error().message() << "\n";
    return 1;
  }
  auto token = (*signer)->mint(argv[5], *access, std::chrono::system_clock::now(), ttl);
  if (!token) {
    std::cerr << "mint_token: " << token.error().message() << "\n";
    return 1;
  }
  std::cout << token->token << "\n";
  return 0;
}

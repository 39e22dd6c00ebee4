#include <boost/program_options.hpp>

#include <iostream>

#include "cmd/commands.h"
#include "cmd/options.h"

namespace cmd {

int runVersion(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description options("registry-operator version");
  options.add_options()("help,h", "show this help");
  po::variables_map vars;
  if (auto exit = parseOptions(argc, argv, options, vars, "Usage: registry-operator version")) {
    return *exit;
  }
  std::cout << "registry-operator " << REGISTRY_OPERATOR_VERSION << "\n";
  return 0;
}

}  // namespace cmd

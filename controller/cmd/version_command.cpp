#include <boost/program_options.hpp>

#include <iostream>

#include "cmd/commands.h"

namespace cmd {

int runVersion(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description options("registry-operator version");
  options.add_options()("help,h", "show this help");
  po::variables_map vars;
  try {
    po::store(po::parse_command_line(argc, argv, options), vars);
  } catch (const po::error& error) {
    std::cerr << "registry-operator version: " << error.what() << "\n";
    return 2;
  }
  if (vars.count("help")) {
    std::cout << options;
    return 0;
  }
  std::cout << "registry-operator " << REGISTRY_OPERATOR_VERSION << "\n";
  return 0;
}

}  // namespace cmd

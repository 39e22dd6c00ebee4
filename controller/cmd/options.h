#pragma once

#include <boost/program_options.hpp>

#include <iostream>
#include <optional>
#include <string>

namespace cmd {

// Parses a command's options; prints help or the error. Returns the exit code to stop with
// (0 after --help, 2 on bad usage), or nullopt to carry on.
inline std::optional<int> parseOptions(int argc, char** argv,
                                       const boost::program_options::options_description& options,
                                       boost::program_options::variables_map& vars,
                                       const std::string& usage_line) {
  namespace po = boost::program_options;
  try {
    po::store(po::parse_command_line(argc, argv, options), vars);
    if (vars.count("help")) {
      std::cout << usage_line << "\n\n" << options;
      return 0;
    }
    po::notify(vars);
  } catch (const po::error& error) {
    std::cerr << "registry-operator " << argv[0] << ": " << error.what() << "\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace cmd

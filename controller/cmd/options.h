#pragma once

#include <boost/program_options.hpp>

#include <iostream>
#include <optional>
#include <string>

namespace cmd {

// Maps an environment variable PREFIX_SOME_FLAG to the option some-flag, if the command has it
// (help excepted); anything else in the environment is ignored.
inline std::string optionFromEnvironment(
    const std::string& variable, const std::string& prefix,
    const boost::program_options::options_description& options) {
  if (prefix.empty() || variable.size() <= prefix.size() || variable.rfind(prefix, 0) != 0) {
    return "";
  }
  std::string name = variable.substr(prefix.size());
  for (char& c : name) {
    if (c == '_') {
      c = '-';
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    } else if (!(c >= '0' && c <= '9')) {
      return "";  // lower case or other bytes: not one of ours
    }
  }
  if (name == "help" || options.find_nothrow(name, false) == nullptr) return "";
  return name;
}

// Parses a command's options; prints help or the error. Returns the exit code to stop with
// (0 after --help, 2 on bad usage), or nullopt to carry on. With env_prefix, an option not on
// the command line is taken from the variable env_prefix + its name in upper case with '_' for
// '-' (REGISTRY_OPERATOR_INGRESS_DOMAIN for --ingress-domain): how `kubectl set env`, a Helm
// value or an OLM Subscription's config.env set a flag without rewriting the container's args.
inline std::optional<int> parseOptions(int argc, char** argv,
                                       const boost::program_options::options_description& options,
                                       boost::program_options::variables_map& vars,
                                       const std::string& usage_line,
                                       const std::string& env_prefix = "") {
  namespace po = boost::program_options;
  try {
    // The first value stored wins: the command line before the environment.
    po::store(po::parse_command_line(argc, argv, options), vars);
    if (!env_prefix.empty()) {
      po::store(po::parse_environment(options,
                                      [&](const std::string& variable) {
                                        return optionFromEnvironment(variable, env_prefix, options);
                                      }),
                vars);
    }
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

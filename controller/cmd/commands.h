#pragma once

#include <functional>
#include <map>
#include <string>

namespace cmd {

struct Command {
  std::string summary;
  // argv[0] is the command's own name; returns the process exit code.
  std::function<int(int argc, char** argv)> run;
};

std::map<std::string, Command> allCommands();
std::string usage(const std::map<std::string, Command>& commands);

int runVersion(int argc, char** argv);
int runRender(int argc, char** argv);
int runController(int argc, char** argv);
int runCa(int argc, char** argv);
int runNodeCa(int argc, char** argv);
int runPrune(int argc, char** argv);
int runMirror(int argc, char** argv);
int runAuthServer(int argc, char** argv);

}  // namespace cmd

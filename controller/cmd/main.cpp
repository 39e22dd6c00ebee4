// registry-operator: one binary, several commands (docs/design.md §5).
#include <malloc.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <map>
#include <string>

#include "cmd/commands.h"

int main(int argc, char** argv) {
  // Before anything starts cpprestsdk's thread pool: without it, that pool may free OpenSSL
  // objects after OpenSSL's own atexit cleanup, and the process crashes or hangs at exit.
  OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT, nullptr);
  // glibc gives threads that allocate at once arenas of their own, up to eight per core, and
  // what one arena frees no other reuses: with I/O threads, informers and workers all parsing
  // JSON, that held 1.7x the resident memory at 100 registries (bench/cluster_bench.sh). Two
  // arenas are enough for the few threads that are busy at the same time.
  mallopt(M_ARENA_MAX, 2);
  const std::map<std::string, cmd::Command> commands = cmd::allCommands();
  std::string name = argc > 1 ? argv[1] : "--help";
  if (name == "--help" || name == "-h" || name == "help") {
    std::printf("%s", cmd::usage(commands).c_str());
    return argc > 1 ? 0 : 2;
  }
  auto it = commands.find(name);
  if (it == commands.end()) {
    std::fprintf(stderr, "registry-operator: unknown command \"%s\"\n\n%s", name.c_str(),
                 cmd::usage(commands).c_str());
    return 2;
  }
  return it->second.run(argc - 1, argv + 1);
}

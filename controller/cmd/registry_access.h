#pragma once

#include <string>

#include "kube/error.h"
#include "kube/result.h"
#include "oci/registry_client.h"

namespace cmd {

// What the commands that talk to a registry (prune, mirror) share: the files their flags name,
// the transports of their registry clients, and the exit codes of failing to reach one.

// The exit codes both commands share (their --help lists them): done, another failure, a usage
// error, and a registry that cannot be reached or refuses them.
inline constexpr int kExitDone = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRegistryUnreachable = 3;  // also an untrusted certificate
inline constexpr int kExitRegistryUnauthorized = 4;

// 3 for a Transport error (connection refused, TLS handshake), 4 for Unauthorized or Forbidden,
// else `otherwise`.
int registryExitCode(const kube::Error& error, int otherwise);

// The whole file; error kind Config naming `what` ("CA file") and the path, never the content.
kube::Result<std::string> readFile(const std::string& path, const std::string& what);

// A password file (--password-file, --target-password-file): the whole file less one trailing
// newline (or CRLF), as `echo` and editors leave one. Errors as readFile's.
kube::Result<std::string> readPasswordFile(const std::string& path);

// The transports of a registry client: every origin it asks for (the registry, its token realm, a
// blob redirect) gets a cpprestsdk transport that trusts the PEM certificates of `ca_file` only,
// when one is given, else the system's CAs. The file is read once, here.
kube::Result<oci::TransportFactory> registryTransports(const std::string& ca_file);

// The job's last word: one JSON `line` to stdout and, when `file` is not empty, to that file
// too (e.g. /dev/termination-log). Error kind Other when the file cannot be written.
kube::Result<void> writeSummary(const std::string& line, const std::string& file);

// Replaces line breaks with blanks: progress and errors go out one line each, whatever a
// registry put in a name or message.
std::string oneLine(std::string text);

}  // namespace cmd

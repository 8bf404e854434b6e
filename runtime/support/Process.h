//===- runtime/support/Process.h - running a child process ------*- C++ -*-===//
//
// Runs an external program (the host compiler) with an argument vector, never
// through a shell, so paths with spaces or quotes in the cache directory are
// harmless. stdout and stderr are captured together, as the user would see
// them in a terminal.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_SUPPORT_PROCESS_H
#define IDA_RUNTIME_SUPPORT_PROCESS_H

#include <string>
#include <vector>

namespace ida {

struct ProcessResult {
  /// Exit status; 128 + signal number when killed by a signal; 127 when the
  /// program could not be started.
  int exitCode = 0;
  /// stdout and stderr, interleaved.
  std::string output;
};

/// Runs argv[0] (looked up in PATH when it has no '/') with argv and waits.
/// Throws ida::Error only when the output cannot be captured; a program that
/// is missing or fails is reported through the result.
ProcessResult runProcess(const std::vector<std::string> &argv);

/// "a b 'c d'": argv quoted for a POSIX shell, for messages and logs.
std::string shellQuote(const std::vector<std::string> &argv);

/// The absolute path of `program` as execvp would find it (PATH lookup,
/// symlinks resolved), or `program` unchanged when it is not found.
std::string resolveProgram(const std::string &program);

} // namespace ida

#endif // IDA_RUNTIME_SUPPORT_PROCESS_H

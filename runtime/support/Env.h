//===- runtime/support/Env.h - environment settings -------------*- C++ -*-===//
//
// The runtime's environment variables, read in one place so their defaults
// and parsing are documented once (docs/runtime.md lists them all).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_SUPPORT_ENV_H
#define IDA_RUNTIME_SUPPORT_ENV_H

#include <optional>
#include <string>

namespace ida::env {

/// The variable's value, or nullopt when unset or empty.
std::optional<std::string> get(const char *name);

/// Root of the on-disk caches: $IDA_CACHE_DIR, else $XDG_CACHE_HOME/ida, else
/// $HOME/.cache/ida. Throws ida::Error when none of these is set.
std::string cacheDir();

/// Threads a CPU kernel may use: $IDA_NUM_THREADS (a positive integer), else
/// the number of hardware threads. Throws ida::Error on a malformed value.
int numThreads();

/// Whether $IDA_VERBOSE is set to something other than "0": the runtime then
/// logs compiles, cache hits and chosen configs to stderr.
bool verbose();

/// Prints "ida: MESSAGE" to stderr when verbose() is on.
void log(const std::string &message);

} // namespace ida::env

#endif // IDA_RUNTIME_SUPPORT_ENV_H

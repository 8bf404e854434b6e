//===- runtime/support/Error.h - runtime error hierarchy --------*- C++ -*-===//
//
// Every failure the runtime reports is an ida::Error (a std::runtime_error),
// so callers can catch one type; the subclasses let tests and tools tell the
// kind apart. Messages are complete sentences that name the thing at fault
// (argument, manifest field, file, kernel) because they are usually shown to
// a user as the single line a tool prints before exiting.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_SUPPORT_ERROR_H
#define IDA_RUNTIME_SUPPORT_ERROR_H

#include <cstdint>
#include <stdexcept>
#include <string>

namespace ida {

class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A file could not be read, written, renamed, locked or created.
class FileError : public Error {
public:
  using Error::Error;
};

/// A malformed or inconsistent bundle manifest.
class ManifestError : public Error {
public:
  using Error::Error;
};

/// A shape/grid expression that does not parse or cannot be evaluated.
class ExprError : public Error {
public:
  using Error::Error;
};

/// A bad argument at launch: missing, unknown, wrong dtype or wrong shape.
class ArgumentError : public Error {
public:
  using Error::Error;
};

/// A bad configuration (unknown key, malformed IDA_CONFIG, ...).
class ConfigError : public Error {
public:
  using Error::Error;
};

/// A kernel failed to compile or its binary failed to load. The message holds
/// the compiler log; log() and sourcePath() give the pieces separately.
class CompileError : public Error {
public:
  CompileError(const std::string &message, std::string log,
               std::string sourcePath)
      : Error(message), log_(std::move(log)),
        sourcePath_(std::move(sourcePath)) {}
  const std::string &log() const { return log_; }
  const std::string &sourcePath() const { return sourcePath_; }

private:
  std::string log_;
  std::string sourcePath_;
};

/// A CUDA program's tiles did not fit in the dynamic shared memory its launch
/// gave (docs/cuda.md, "Where tiles live"): its blocks left without
/// computing, so the outputs of that launch are invalid, but the device is
/// still usable. needBytes() is a lower bound (the arena top at the
/// allocation that failed); availableBytes() what the launch gave.
class ArenaOverflowError : public Error {
public:
  ArenaOverflowError(const std::string &message, std::string kernel,
                     int64_t needBytes, int64_t availableBytes)
      : Error(message), kernel_(std::move(kernel)), needBytes_(needBytes),
        availableBytes_(availableBytes) {}
  const std::string &kernel() const { return kernel_; }
  int64_t needBytes() const { return needBytes_; }
  int64_t availableBytes() const { return availableBytes_; }

private:
  std::string kernel_;
  int64_t needBytes_;
  int64_t availableBytes_;
};

/// The requested device or backend is not available in this build or on
/// this machine (for example `--target cuda` without CUDA support).
class UnavailableError : public Error {
public:
  using Error::Error;
};

} // namespace ida

#endif // IDA_RUNTIME_SUPPORT_ERROR_H

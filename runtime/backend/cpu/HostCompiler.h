//===- runtime/backend/cpu/HostCompiler.h - cached host builds --*- C++ -*-===//
//
// Builds one kernel source for one configuration into a shared object with
// the host C++ compiler and loads it. Two caches, as Triton and PyTorch's
// jiterator do:
//   - on disk: $IDA_CACHE_DIR/cpu/<key>.so, where key = sha256 of (source,
//     full compiler command line, compiler identity, host CPU identity);
//     written atomically (compile to a temp file in the cache dir, rename),
//     under an flock so concurrent processes build a key once; an entry that
//     fails to load is deleted and rebuilt once;
//   - in process: key -> loaded binary, so a kernel+config is compiled and
//     dlopen'ed at most once per process.
// On failure a CompileError carries the compiler's log and the saved source.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BACKEND_CPU_HOSTCOMPILER_H
#define IDA_RUNTIME_BACKEND_CPU_HOSTCOMPILER_H

#include "runtime/backend/Device.h"
#include "runtime/support/SharedLibrary.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ida {

/// extern "C" void SYMBOL(const IdaKernelArgs *, int num_threads)
using CpuProgramFn = void (*)(const IdaKernelArgs *, int);

struct HostCompilerOptions {
  /// Root cache directory; binaries go to <cacheDir>/cpu.
  std::string cacheDir;
  /// The compiler program ($IDA_CXX, default "c++").
  std::string compiler = "c++";
  /// Extra flags appended to the command line ($IDA_CXXFLAGS, split on
  /// whitespace); part of the cache key.
  std::vector<std::string> extraFlags;

  /// Options from the environment (IDA_CACHE_DIR, IDA_CXX, IDA_CXXFLAGS).
  static HostCompilerOptions fromEnv();
};

/// A loaded shared object with its programs resolved.
struct CpuBinary {
  std::string key;
  std::string path;
  std::shared_ptr<SharedLibrary> library;
  std::vector<CpuProgramFn> programs; // in the request's symbol order
};

/// Process-wide counters, for tests and IDA_VERBOSE logs.
struct HostCompileStats {
  uint64_t compilerRuns = 0; // compiler invocations (success or failure)
  uint64_t diskHits = 0;     // loaded from the disk cache without compiling
  uint64_t memoryHits = 0;   // served by the in-process memo
  uint64_t rebuilds = 0;     // disk entries that failed to load and were rebuilt
};

class HostCompiler {
public:
  explicit HostCompiler(HostCompilerOptions options = HostCompilerOptions::fromEnv());

  /// Returns the loaded binary for the request, compiling if needed.
  /// Throws CompileError.
  std::shared_ptr<const CpuBinary> build(const KernelBuildRequest &request);

  /// The disk cache key of a request (64 hex characters).
  std::string cacheKey(const KernelBuildRequest &request) const;
  /// The compiler command line for a request (without source and output).
  std::vector<std::string> flags(const Config &config) const;
  /// <cacheDir>/cpu
  std::string binaryDir() const;

  static HostCompileStats stats();
  static void resetStats();
  /// Forgets every in-process binary (the next build goes to disk). Binaries
  /// still held elsewhere stay loaded.
  static void clearMemoryCache();

  /// First line of `COMPILER --version` plus its resolved path; cached per
  /// process. Throws CompileError when the compiler cannot be run.
  static std::string compilerIdentity(const std::string &compiler);
  /// CPU model and feature flags (the build uses -march=native, so a cache
  /// shared between different machines must not mix their binaries).
  static std::string hostCpuIdentity();

private:
  std::shared_ptr<CpuBinary> tryLoad(const std::string &key,
                                     const std::string &path,
                                     const KernelBuildRequest &request,
                                     std::string *whyNot) const;
  std::shared_ptr<CpuBinary> compileAndLoad(const std::string &key,
                                            const KernelBuildRequest &request);

  HostCompilerOptions options_;
};

} // namespace ida

#endif // IDA_RUNTIME_BACKEND_CPU_HOSTCOMPILER_H

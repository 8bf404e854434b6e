//===- runtime/backend/cuda/CompileCheck.h - NVRTC check of a bundle -*- C++ -*-===//
//
// Compiles every CUDA kernel of a bundle with NVRTC for one arch, at the
// kernel's default configuration, and prints what ptxas reports per program
// symbol (registers, spills, stack frame, static shared memory). No GPU or
// driver is needed. `idac --compile-check` calls it right after writing a
// bundle; the compiler is built without exceptions, so this entry point
// catches everything and answers with an exit code.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BACKEND_CUDA_COMPILECHECK_H
#define IDA_RUNTIME_BACKEND_CUDA_COMPILECHECK_H

#include <ostream>
#include <string>

namespace ida {

/// Exit codes of compileCheckBundle.
enum CompileCheckStatus : int {
  kCompileCheckOk = 0,
  kCompileCheckFailed = 1, // an NVRTC failure (its log is printed) or another error
  kCompileCheckSpills = 3, // every kernel compiled, but one spills registers
};

/// Builds each kernel of the bundle in `bundleDir` that has a CUDA source for
/// `arch` ("sm_80", "sm_90", ...). Writes one table row per program symbol to
/// `out`; failures (with NVRTC's log and the saved source's path) to `err`.
/// Keeps going after a failing kernel so that one run reports all of them.
int compileCheckBundle(const std::string &bundleDir, const std::string &arch,
                       std::ostream &out, std::ostream &err) noexcept;

} // namespace ida

#endif // IDA_RUNTIME_BACKEND_CUDA_COMPILECHECK_H

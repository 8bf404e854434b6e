//===- Codegen.h - Kernel sources and bundles from ida.kernel -*- C++ -*-===//
//
// Public API of the IDACodegen library (docs/compiler.md, "Codegen and
// bundles"):
//
//   * generateKernelSource: instantiates the embedded templates for one
//     ida.kernel and one target (CPU C++ for the host compiler, CUDA C++ for
//     NVRTC); the result is a self-contained source file.
//   * writeManifest / writeBundle (Bundle.h): the bundle directory the
//     runtime loads.
//   * buildPresetGraph (Presets.h): the standard graphs of `idac --preset`.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_COMPILER_CODEGEN_CODEGEN_H
#define IDA_COMPILER_CODEGEN_CODEGEN_H

#include "dialect/IdaOps.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::ida::codegen {

/// The compiler version written into sources and manifests.
llvm::StringRef compilerVersion();

enum class Target { CPU, CUDA };

/// "cpu" / "cuda" (the manifest's `sources` keys).
llvm::StringRef targetName(Target target);
/// ".cpp" / ".cu".
llvm::StringRef sourceSuffix(Target target);

/// Dynamic shared memory, in bytes, that CUDA programs are launched with
/// when the kernel op does not size it (`smem = "0"`): the tiles live in a
/// dynamic shared-memory arena (docs/cuda.md), so they need the device's
/// opt-in maximum. 232448 B = 227 KB is that maximum on H100/H200.
inline constexpr int64_t kDefaultCudaSmem = 232448;

struct SourceOptions {
  /// Text of the graph the kernel came from and its name in origins
  /// ("graph.mlir"): the origin line is quoted in the header comment.
  /// Without them codegen quotes nothing.
  llvm::StringRef graphText;
  llvm::StringRef graphName;
  /// CUDA only: dynamic shared memory of programs that do not size it.
  int64_t cudaSmem = kDefaultCudaSmem;
};

/// Why `target` cannot run `kernel` ("" when it can), e.g. bf16 inputs on
/// the CPU, whose tile API reads fp32 only.
std::string unsupportedReason(KernelOp kernel, Target target);

/// Writes the source of `kernel` for `target`. Errors (unknown template,
/// args that do not match it, unsupported target) are emitted at the op.
LogicalResult generateKernelSource(KernelOp kernel, Target target,
                                   const SourceOptions &options,
                                   llvm::raw_ostream &os);

} // namespace mlir::ida::codegen

#endif // IDA_COMPILER_CODEGEN_CODEGEN_H

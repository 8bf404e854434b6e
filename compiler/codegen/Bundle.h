//===- Bundle.h - Writes a bundle directory ---------------------*- C++ -*-===//
//
//   BUNDLE/manifest.json   (docs/bundle-format.md)
//   BUNDLE/graph.mlir      (or the input's file name) the graph that was compiled (its sha256 is the
//                          manifest's graph_hash)
//   BUNDLE/kernels.mlir    the kernel-level IR after --ida-pipeline (for
//                          reading; the runtime ignores it)
//   BUNDLE/kernels/<kernel>.cpp | .cu
//
//===----------------------------------------------------------------------===//

#ifndef IDA_COMPILER_CODEGEN_BUNDLE_H
#define IDA_COMPILER_CODEGEN_BUNDLE_H

#include "compiler/codegen/ManifestWriter.h"

namespace mlir::ida::codegen {

struct BundleOptions {
  std::vector<Target> targets = {Target::CPU, Target::CUDA};
  int64_t cudaSmem = kDefaultCudaSmem;
  /// File name of the graph inside the bundle; origins in the kernel IR
  /// should use the same name (idac parses the graph under this name).
  std::string graphName = "graph.mlir";
  /// Extra top-level `x-` members of the manifest.
  std::vector<std::pair<std::string, JValue>> extensions;
};

/// Writes the bundle of `kernelModule` (the pipeline's output for
/// `graphText`) into `dir`, creating it. A directory that exists must be
/// empty or hold a bundle (manifest.json), whose kernels/ is replaced.
/// Errors are emitted as diagnostics at the module.
LogicalResult writeBundle(ModuleOp kernelModule, llvm::StringRef graphText,
                          llvm::StringRef dir, const BundleOptions &options);

} // namespace mlir::ida::codegen

#endif // IDA_COMPILER_CODEGEN_BUNDLE_H

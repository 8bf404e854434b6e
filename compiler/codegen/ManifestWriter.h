//===- ManifestWriter.h - manifest.json from kernel-level IR ---*- C++ -*-===//
//
// Reads the output of --ida-pipeline (ida.kernel symbols and host functions
// marked `ida.entry` that allocate temporaries and sequence ida.launch) and
// builds the bundle manifest of docs/bundle-format.md.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_COMPILER_CODEGEN_MANIFESTWRITER_H
#define IDA_COMPILER_CODEGEN_MANIFESTWRITER_H

#include "compiler/codegen/Codegen.h"
#include "compiler/codegen/Json.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::ida::codegen {

struct ManifestOptions {
  /// Targets to write sources for (a kernel a target cannot run gets no
  /// source for it, with a warning).
  std::vector<Target> targets = {Target::CPU, Target::CUDA};
  /// Path of the graph inside the bundle ("" for none) and its sha256.
  std::string graphPath = "graph.mlir";
  std::string graphHash;
  /// CUDA dynamic shared memory of programs the pipeline did not size.
  int64_t cudaSmem = kDefaultCudaSmem;
  /// Extra top-level `x-` members (e.g. "x-preset"), copied as given.
  std::vector<std::pair<std::string, JValue>> extensions;
};

/// One source file of the bundle.
struct SourceFile {
  KernelOp kernel;
  Target target;
  /// Relative to the bundle directory, e.g. "kernels/forward_scan_bwd_0.cpp".
  std::string path;
};

struct ManifestResult {
  JValue manifest;
  std::vector<SourceFile> sources;
};

/// Builds the manifest of `module`. Errors are emitted at the offending op
/// (an entry function, a launch, a kernel); warnings for skipped sources.
FailureOr<ManifestResult> buildManifest(ModuleOp module,
                                        const ManifestOptions &options);

/// Lowercase hex SHA-256 of `text`.
std::string sha256Hex(llvm::StringRef text);

} // namespace mlir::ida::codegen

#endif // IDA_COMPILER_CODEGEN_MANIFESTWRITER_H

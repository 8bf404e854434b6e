//===- SourceParts.h - Target-specific parts of kernel sources -*- C++ -*-===//
//
// KernelSource.cpp writes what both targets share (header comment,
// configuration defaults, the embedded templates in the documented order,
// IdaGenParams, the argument remapping); CpuSource.cpp and CudaSource.cpp
// supply the rest through these hooks.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_COMPILER_CODEGEN_SOURCEPARTS_H
#define IDA_COMPILER_CODEGEN_SOURCEPARTS_H

#include "compiler/codegen/Codegen.h"
#include "compiler/codegen/KernelInfo.h"

#include <optional>
#include <string>

namespace mlir::ida::codegen {

struct TargetParts {
  /// The tile API header (path under templates/).
  const char *tileHeader;
  /// One line describing how the source is compiled.
  const char *toolchain;
  /// Function qualifier of the generated argument-remapping helper.
  const char *helperQualifier;
  /// C++ type of an activation dtype ("f32" -> "float"), or nullopt when
  /// the target's tile API cannot load it.
  std::optional<std::string> (*inType)(llvm::StringRef dtype);
  /// Writes the entry point of `program` (the i-th of the kernel).
  void (*emitWrapper)(const KernelInfo &kernel, const ProgramInfo &program,
                      const SourceOptions &options, llvm::raw_ostream &os);
};

const TargetParts &cpuParts();
const TargetParts &cudaParts();

/// Name of the generated helper that rebuilds the template's buffer order
/// ("" when the runtime's order already is the template's).
llvm::StringRef remapHelperName(const KernelInfo &kernel);

/// "idak::ScanFwdOnePassProgram<IdaGenParams>".
std::string programType(const ProgramInfo &program);

} // namespace mlir::ida::codegen

#endif // IDA_COMPILER_CODEGEN_SOURCEPARTS_H

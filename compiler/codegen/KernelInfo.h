//===- KernelInfo.h - An ida.kernel read as a template instance -*- C++ -*-===//
//
// What codegen needs to know about the kernel templates of docs/templates.md
// (buffer order, program classes, headers, static-parameter struct) and the
// reading of one `ida.kernel` op into that form. Shared by the source
// generators (CpuSource.cpp, CudaSource.cpp) and the manifest writer.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_COMPILER_CODEGEN_KERNELINFO_H
#define IDA_COMPILER_CODEGEN_KERNELINFO_H

#include "dialect/IdaOps.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlir::ida::codegen {

/// Which static-parameter struct a template takes.
enum class ParamKind { Scan, Attention };

/// One kernel template family (docs/templates.md, "Kernel programs").
struct TemplateDesc {
  llvm::StringRef name;
  ParamKind params;
  /// Buffer slots in the template's order (IdaKernelArgs.buffers[i]).
  llvm::ArrayRef<const char *> slots;
  /// Program classes (namespace idak) in launch order.
  llvm::ArrayRef<const char *> programs;
  /// Kernel headers after the common prefix, in concatenation order.
  llvm::ArrayRef<const char *> headers;
  /// The program needs IdaKernelArgs.T == 1 (the decode step).
  bool singleStep = false;
  /// The op the kernel implements, for comments ("ida.scan", ...).
  llvm::StringRef opName;
};

/// The descriptor of template `name`, or null.
const TemplateDesc *lookupTemplate(llvm::StringRef name);
/// "scan_fwd_onepass, scan_fwd_twopass, ..." for messages.
std::string knownTemplateNames();

/// Whether a kernel may receive a null pointer in `slot` (the template
/// treats it as zero / not read): initial states, final-state cotangents,
/// and `g` with uniform basis weights.
bool isNullableSlot(const TemplateDesc &desc, llvm::StringRef slot,
                    llvm::StringRef basis);

/// One element of the kernel's `args`.
struct ArgSlot {
  enum class Kind { Buffer, Workspace, Absent } kind = Kind::Absent;
  /// Buffer or workspace name (without '@'); empty when absent.
  std::string name;
  /// Index in the template's buffer order.
  unsigned slot = 0;
  /// The template's name for that slot ("q", "S0", "ws_state", ...).
  std::string slotName;
};

struct ProgramInfo {
  std::string symbol;
  std::string programClass; // without namespace, e.g. ScanFwdOnePassProgram
  std::string grid[3];
  std::string threads;
  std::string smem;
};

struct WorkspaceInfo {
  std::string name;
  std::string dtype;
  std::vector<std::string> shape;
};

/// An ida.kernel op in plain data.
struct KernelInfo {
  std::string symbol;
  const TemplateDesc *desc = nullptr;
  std::string origin;
  /// static_params in dictionary (sorted) order; values as text
  /// (integers, "true"/"false", strings unquoted).
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<ArgSlot> args;
  std::vector<WorkspaceInfo> workspaces;
  std::vector<ProgramInfo> programs;
  std::vector<std::string> keys;
  std::vector<std::vector<int64_t>> configs;
  /// default_config in key order.
  std::vector<std::pair<std::string, int64_t>> defaultConfig;

  /// The value of static parameter `name`, or "".
  llvm::StringRef param(llvm::StringRef name) const;
  /// The args the runtime passes: buffers and workspaces, absent ones left
  /// out (IdaKernelArgs.buffers[i] of the manifest's `args`).
  std::vector<const ArgSlot *> passedArgs() const;
  /// Whether the passed args are not the template's slots 0..n-1, so the
  /// generated wrapper must move them to their template positions.
  bool needsRemap() const;
};

/// Reads `kernel`; emits an error at the op and fails when it names an
/// unknown template or its args/programs do not match the template.
FailureOr<KernelInfo> readKernel(KernelOp kernel);

} // namespace mlir::ida::codegen

#endif // IDA_COMPILER_CODEGEN_KERNELINFO_H

//===- TemplateCatalog.h - What the compiler knows about templates -*- C++ -*-===//
//
// The one place that encodes docs/templates.md for the compiler: each kernel
// template's buffer order, programs and grid formulas, workspaces, tuning
// keys, candidate values and on-chip footprint, plus the analysis that reads
// an ida.fused group as an instance of a template (which outer value feeds
// which buffer slot, and the static parameters). ida-plan and
// ida-lower-to-kernels both use it, so planning and lowering cannot
// disagree; codegen (idac) should use it too.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_COMPILER_TEMPLATECATALOG_H
#define IDA_COMPILER_TEMPLATECATALOG_H

#include "dialect/IdaOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <string>
#include <vector>

namespace mlir::ida::catalog {

/// Static parameters of a scan-family kernel (IdaGenParams).
struct ScanParams {
  int64_t D = 0, F = 0, Fp = 0, N = 0, P = 0, H = 0;
  FeatureKind feature = FeatureKind::identity;
  BasisWeights basis = BasisWeights::softmax;
  bool normalize = false, hasS0 = false, hasST = false;
  Type inT;
};

/// Static parameters of softmax attention kernels.
struct AttnParams {
  int64_t D = 0, P = 0, H = 0, window = 0;
  Type inT;
};

/// A fused group read as a template instance.
struct GroupInfo {
  /// The group's role (scan_fwd, scan_bwd, decode, softmax_attn_fwd/bwd).
  std::string role;
  ScanParams scan;
  AttnParams attn;
  /// The chunk length the source op asked for (scan roles), else 0.
  int64_t chunk = 0;
  /// The anchor op's location (becomes the kernel's origin).
  Location origin;
  /// Buffer slot name -> value outside the group (an operand of the fused
  /// op) that feeds it. Absent optional slots have no entry.
  llvm::StringMap<Value> inputs;
  /// Buffer slot name -> result index of the fused op.
  llvm::StringMap<unsigned> outputs;

  explicit GroupInfo(Location origin) : origin(origin) {}
};

/// Reads `group` as a template instance; on failure emits a located error
/// (at the offending op inside the group) and returns failure.
FailureOr<GroupInfo> analyzeGroup(FusedOp group);

/// A workspace of a kernel: name, dtype, shape expressions.
struct Workspace {
  std::string name;
  std::string dtype;
  std::vector<std::string> shape;
};

/// One program of a kernel.
struct Program {
  std::string suffix;       // appended to the kernel symbol: <kernel>_<suffix>
  std::string programClass; // the template's C++ program class
  std::string grid[3];
};

/// One kernel to instantiate.
struct KernelDesc {
  std::string templateName;
  /// Buffer slots in the template's order; `@name` for a workspace slot.
  std::vector<std::string> slots;
  /// Slots that the kernel writes.
  std::vector<std::string> outputSlots;
  std::vector<Workspace> workspaces;
  std::vector<Program> programs;
  /// Tuning keys of the kernel (a subset of the group's plan keys).
  std::vector<std::string> keys;
};

/// Whether a group's kernels have the tuning key MMA (IDA_CFG_MMA of
/// tile/cuda/tile_cuda.cuh, docs/cuda.md "Tensor cores"): groups with bf16
/// or f16 inputs, whose accuracy budget the split-bf16 tensor-core path
/// (MMA=2, their default) meets; fp32 groups keep fp32 matmuls (the macro's
/// default 0, no key). Not decode: one token (C = 1) gives no product the
/// mma shape. The CPU tile API never reads the macro, so the key is inert
/// there (the autotuner collapses it like NUM_WARPS).
bool usesMma(const GroupInfo &info);

/// The kernels (in launch order) that implement a planned group with
/// `strategy`. Slots named `tmp:<name>` are host-level temporaries shared
/// between the kernels of the group (e.g. the softmax forward's y and lse
/// inside a backward group, the backward's parameter partials).
std::vector<KernelDesc> kernelsFor(const GroupInfo &info, StringRef strategy);

/// Shape expressions of a buffer slot (entry level: B, T, H and literals).
std::vector<std::string> slotShape(const GroupInfo &info, StringRef slot);

/// Element type name of a buffer slot ("f32", "bf16", "f16").
std::string slotDType(const GroupInfo &info, StringRef slot);

/// Name of an element type in the runtime's spelling, or "" if unsupported.
std::string dtypeName(Type type);

/// The static parameter dictionary of a group's kernels.
DictionaryAttr staticParams(Builder &builder, const GroupInfo &info);

/// Tuning-space construction (ida-plan).
struct SpaceOptions {
  std::string strategy = "auto";
  std::vector<int64_t> chunks;
  int64_t smemBudget = 232448;
  int64_t bwdBudget = 4194304;
};

struct Plan {
  std::string strategy;
  std::vector<std::string> keys;
  std::vector<std::vector<int64_t>> configs;
  std::vector<int64_t> defaultConfig;
};

/// Builds the pruned space and heuristic default of a group; on an empty
/// space emits a located error at the group and returns failure.
FailureOr<Plan> planGroup(FusedOp group, const GroupInfo &info,
                          const SpaceOptions &options);

/// On-chip bytes of one program (estimates from docs/templates.md).
int64_t scanFwdFootprint(const ScanParams &p, int64_t C, int64_t BV);
/// The backward holds one value tile of BV columns at a time; its estimate
/// is fitted (conservatively) to the CUDA arena peaks the emulation test
/// measures (tests/unit/cuda_templates, ArenaBudgetOfGpuPresets).
int64_t scanBwdFootprint(const ScanParams &p, int64_t C, int64_t BV);
int64_t attnFootprint(const AttnParams &p, int64_t BM, int64_t BN,
                      bool backward);

} // namespace mlir::ida::catalog

#endif // IDA_COMPILER_TEMPLATECATALOG_H

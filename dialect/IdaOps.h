//===- IdaOps.h - Operations of the ida dialect -----------------*- C++ -*-===//
//
// Declares the ops of the `ida` dialect (generated from IdaOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef IDA_DIALECT_IDAOPS_H
#define IDA_DIALECT_IDAOPS_H

#include "dialect/IdaDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/IR/SymbolTable.h"

#define GET_OP_CLASSES
#include "dialect/IdaOps.h.inc"

namespace mlir::ida {

/// The primitive ops that `decomposeAttention` builds for one ida.attention.
struct AttentionDecomposition {
  FeatureMapOp phiQ, phiK;
  DiscretizeOp discretize;
  BasisWeightsOp basis;
  ScanOp scan;
};

/// Builds, at the builder's insertion point, the primitives equivalent to
/// `op` (spec §3): feature maps of q and k, discretize, basis_weights and a
/// scan whose results correspond one to one to `op`'s results. Does not
/// replace or erase `op`. Used by ida-decompose and by the VJP rule of
/// ida.attention.
AttentionDecomposition decomposeAttention(OpBuilder &builder, AttentionOp op);

/// Checks `text` against the runtime's expression language (integers, the
/// names B, T, H and `extraNames`, + - * / %, parentheses, cdiv, min, max).
/// On failure, `why` says what is wrong.
bool checkExpression(StringRef text, ArrayRef<StringRef> extraNames,
                     std::string &why);

/// Checks a tuning space `{keys = [...], configs = [[...], ...]}` and, when
/// given, that `defaultConfig` ({key = value}) is one of its configurations.
/// `what` names the space in diagnostics.
LogicalResult verifyTuningSpace(Operation *op, DictionaryAttr space,
                                DictionaryAttr defaultConfig, StringRef what);

} // namespace mlir::ida

#endif // IDA_DIALECT_IDAOPS_H

//===- IdaDialect.h - The ida dialect ---------------------------*- C++ -*-===//
//
// Declares the `ida` dialect, its enums (FeatureKind, BasisWeights), its
// attributes (#ida.feature, #ida.basis, #ida.weights) and its op interfaces.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_DIALECT_IDADIALECT_H
#define IDA_DIALECT_IDADIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"

#include "dialect/IdaDialect.h.inc"
#include "dialect/IdaEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/IdaAttrs.h.inc"

#include "dialect/IdaInterfaces.h.inc"

namespace mlir::ida {

/// Feature dimension F of spec §4 for head dimension `headDim`: D for
/// identity/elu1/relu, 1 + D + D*D for taylor2, F' for prf and 2 F' for
/// hedgehog (`size` is F').
int64_t getFeatureDim(FeatureKind kind, int64_t headDim, int64_t size);

/// Whether the feature kind takes weights W [H, F', D].
bool featureHasWeights(FeatureKind kind);

} // namespace mlir::ida

#endif // IDA_DIALECT_IDADIALECT_H

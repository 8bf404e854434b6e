//===- IdaDialect.cpp - The ida dialect -----------------------------------===//
//
// Dialect registration, attribute verifiers and constant materialization.
//
//===----------------------------------------------------------------------===//

#include "dialect/IdaDialect.h"
#include "dialect/IdaOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ida;

#include "dialect/IdaDialect.cpp.inc"
#include "dialect/IdaEnums.cpp.inc"
#include "dialect/IdaInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/IdaAttrs.cpp.inc"

void IdaDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/IdaAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialect/IdaOps.cpp.inc"
      >();
}

Operation *IdaDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto typed = llvm::dyn_cast<TypedAttr>(value);
  if (!typed || typed.getType() != type)
    return nullptr;
  return builder.create<arith::ConstantOp>(loc, type, typed);
}

//===----------------------------------------------------------------------===//
// Feature kinds
//===----------------------------------------------------------------------===//

bool mlir::ida::featureHasWeights(FeatureKind kind) {
  return kind == FeatureKind::prf || kind == FeatureKind::hedgehog;
}

int64_t mlir::ida::getFeatureDim(FeatureKind kind, int64_t headDim,
                                 int64_t size) {
  switch (kind) {
  case FeatureKind::identity:
  case FeatureKind::elu1:
  case FeatureKind::relu:
    return headDim;
  case FeatureKind::taylor2:
    return 1 + headDim + headDim * headDim;
  case FeatureKind::prf:
    return size;
  case FeatureKind::hedgehog:
    return 2 * size;
  }
  llvm_unreachable("unknown feature kind");
}

//===----------------------------------------------------------------------===//
// FeatureAttr
//===----------------------------------------------------------------------===//

LogicalResult FeatureAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  FeatureKind kind, int64_t size) {
  if (featureHasWeights(kind)) {
    if (size < 1)
      return emitError() << "expected feature kind '" << stringifyEnum(kind)
                         << "' to have a size F' >= 1 (e.g. #ida.feature<"
                         << stringifyEnum(kind) << ", 64>), got " << size;
    return success();
  }
  if (size != 0)
    return emitError() << "expected feature kind '" << stringifyEnum(kind)
                       << "' to take no size (F is D"
                       << (kind == FeatureKind::taylor2 ? "-derived" : "")
                       << "), got " << size;
  return success();
}

bool FeatureAttr::hasWeights() const { return featureHasWeights(getKind()); }

int64_t FeatureAttr::getFeatureDim(int64_t headDim) const {
  return ::mlir::ida::getFeatureDim(getKind(), headDim, getSize());
}

//===----------------------------------------------------------------------===//
// BasisAttr
//===----------------------------------------------------------------------===//

LogicalResult BasisAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                int64_t size, BasisWeights weights) {
  if (size < 1)
    return emitError() << "expected basis size N >= 1, got " << size;
  return success();
}

//===- IdaOps.cpp - Operations of the ida dialect -------------------------===//
//
// Verifiers (every shape and attribute relation of docs/spec.md §2-§8),
// folders, canonicalization patterns and VJP rules of the ida ops.
//
//===----------------------------------------------------------------------===//

#include "dialect/IdaOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

using namespace mlir;
using namespace mlir::ida;

//===----------------------------------------------------------------------===//
// Shape verification helpers
//===----------------------------------------------------------------------===//

namespace {

/// A value checked against a symbolic shape. `dims` names each dimension with
/// the spec's symbols separated by spaces, e.g. "B T H D" or "H F' D". A null
/// `type` marks an absent optional value, which is skipped.
struct ShapedValue {
  StringRef name;
  Type type;
  StringRef dims;
};

/// Unifies the spec's dimension symbols (B, T, H, D, P, N, F, F') across the
/// operands and results of one op and reports the first disagreement, naming
/// the value, its expected symbolic and numeric shape, and its actual type.
/// B and T may be dynamic; every other symbol must be static.
class ShapeVerifier {
public:
  explicit ShapeVerifier(Operation *op) : op(op) {}

  /// Fixes `sym` to `size`, e.g. N from a #ida.basis attribute.
  void fix(StringRef sym, int64_t size) { sizes[sym] = size; }

  /// The size bound to `sym`, or ShapedType::kDynamic when none is.
  int64_t get(StringRef sym) const {
    auto it = sizes.find(sym);
    return it == sizes.end() ? ShapedType::kDynamic : it->second;
  }

  /// Checks ranks and static dimensions, then binds every still-unknown
  /// symbol to the first static size found, in order.
  LogicalResult bind(ArrayRef<ShapedValue> values) {
    for (const ShapedValue &value : values) {
      if (!value.type)
        continue;
      auto tensor = llvm::cast<RankedTensorType>(value.type);
      SmallVector<StringRef> syms = split(value.dims);
      if (tensor.getRank() != static_cast<int64_t>(syms.size()))
        return op->emitOpError()
               << "expected '" << value.name << "' to have rank " << syms.size()
               << " (shape [" << join(syms) << "]), got " << value.type;
      for (auto [i, sym] : llvm::enumerate(syms)) {
        if (sym == "B" || sym == "T" || !tensor.isDynamicDim(i))
          continue;
        return op->emitOpError()
               << "expected dimension " << sym << " of '" << value.name
               << "' to be static, got " << value.type;
      }
      for (auto [i, sym] : llvm::enumerate(syms))
        if (!tensor.isDynamicDim(i) && get(sym) == ShapedType::kDynamic)
          sizes[sym] = tensor.getDimSize(i);
    }
    return success();
  }

  /// Checks that every static dimension agrees with its symbol's size.
  LogicalResult check(ArrayRef<ShapedValue> values) {
    for (const ShapedValue &value : values) {
      if (!value.type)
        continue;
      auto tensor = llvm::cast<RankedTensorType>(value.type);
      SmallVector<StringRef> syms = split(value.dims);
      for (auto [i, sym] : llvm::enumerate(syms)) {
        int64_t expected = get(sym);
        if (tensor.isDynamicDim(i) || expected == ShapedType::kDynamic ||
            tensor.getDimSize(i) == expected)
          continue;
        InFlightDiagnostic diag = op->emitOpError();
        diag << "expected '" << value.name << "' to have shape [" << join(syms)
             << "] = [";
        llvm::interleaveComma(syms, diag, [&](StringRef s) {
          int64_t size = get(s);
          if (size == ShapedType::kDynamic)
            diag << "?";
          else
            diag << size;
        });
        diag << "], got " << value.type;
        return diag;
      }
    }
    return success();
  }

  /// bind() then check() over the same values.
  LogicalResult verify(ArrayRef<ShapedValue> values) {
    if (failed(bind(values)))
      return failure();
    return check(values);
  }

private:
  static SmallVector<StringRef> split(StringRef dims) {
    SmallVector<StringRef> syms;
    dims.split(syms, ' ', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
    return syms;
  }
  static std::string join(ArrayRef<StringRef> syms) {
    return llvm::join(syms, ", ");
  }

  Operation *op;
  llvm::StringMap<int64_t> sizes;
};

/// A value and the spec name used for it in diagnostics.
using NamedValue = std::pair<StringRef, Value>;

/// The type of an optional value, or a null Type when it is absent.
Type typeOf(Value value) { return value ? value.getType() : Type(); }

/// Checks that `type` (if present) has element type `expected`, which is the
/// element type of `reference`.
LogicalResult checkElementType(Operation *op, StringRef name, Type type,
                               Type expected, StringRef reference) {
  if (!type)
    return success();
  Type actual = llvm::cast<ShapedType>(type).getElementType();
  if (actual == expected)
    return success();
  return op->emitOpError() << "expected '" << name << "' to have element type "
                           << expected << " (the element type of '" << reference
                           << "'), got " << type;
}

/// Checks that W is present exactly for the feature kinds that take weights.
LogicalResult checkWeightsPresence(Operation *op, FeatureAttr feature,
                                   Value weights) {
  bool needs = feature.hasWeights();
  if (needs && !weights)
    return op->emitOpError()
           << "expected weights 'W' [H, F', D] for feature kind '"
           << stringifyEnum(feature.getKind()) << "'";
  if (!needs && weights)
    return op->emitOpError() << "expected no weights 'W' for feature kind '"
                             << stringifyEnum(feature.getKind())
                             << "' (only prf and hedgehog take weights)";
  return success();
}

/// The signed value of an optional integer attribute (I64Attr getters return
/// uint64_t, which would hide negative values).
int64_t signedValue(IntegerAttr attr, int64_t defaultValue) {
  return attr ? attr.getValue().getSExtValue() : defaultValue;
}

/// W may have the element type of the activations or be f32 (parameters
/// are commonly kept in f32 next to bf16/f16 activations; the kernels read
/// W as f32).
LogicalResult checkWeightsType(Operation *op, Value weights, Type expected,
                               StringRef reference) {
  if (!weights)
    return success();
  Type actual = llvm::cast<ShapedType>(weights.getType()).getElementType();
  if (actual == expected || actual.isF32())
    return success();
  return op->emitOpError() << "expected 'W' to have element type " << expected
                           << " (the element type of '" << reference
                           << "') or f32, got " << weights.getType();
}

LogicalResult checkChunk(Operation *op, IntegerAttr chunkAttr) {
  int64_t chunk = signedValue(chunkAttr, 64);
  if (chunk >= 1)
    return success();
  return op->emitOpError() << "expected 'chunk' >= 1, got " << chunk;
}

/// Checks the final-state results [S_T] or [S_T, Z_T] of scan/attention.
LogicalResult checkFinalStateCount(Operation *op, unsigned count,
                                   bool normalize) {
  if (count > 2)
    return op->emitOpError()
           << "expected at most 2 final-state results (S_T, Z_T), got "
           << count;
  if (count == 2 && !normalize)
    return op->emitOpError()
           << "expected no final normalizer 'Z_T' result without 'normalize'";
  return success();
}

/// Checks that the normalizer operand `name` appears only with normalize.
LogicalResult checkNormalizerOperand(Operation *op, StringRef name, Value value,
                                     bool normalize) {
  if (!value || normalize)
    return success();
  return op->emitOpError() << "expected no '" << name
                           << "' operand without 'normalize'";
}

} // namespace

//===----------------------------------------------------------------------===//
// FeatureMapOp
//===----------------------------------------------------------------------===//

LogicalResult FeatureMapOp::verify() {
  FeatureAttr feature = getFeature();
  if (failed(checkWeightsPresence(*this, feature, getW())))
    return failure();
  Type elementType = getX().getType().getElementType();
  if (failed(checkWeightsType(*this, getW(), elementType, "x")) ||
      failed(checkElementType(*this, "phi", getType(), elementType, "x")))
    return failure();

  ShapeVerifier shapes(*this);
  if (feature.hasWeights())
    shapes.fix("F'", feature.getSize());
  if (failed(shapes.verify({{"x", getX().getType(), "B T H D"},
                            {"W", typeOf(getW()), "H F' D"}})))
    return failure();
  shapes.fix("F", feature.getFeatureDim(shapes.get("D")));
  return shapes.verify({{"phi", getType(), "B T H F"}});
}

OpFoldResult FeatureMapOp::fold(FoldAdaptor adaptor) {
  if (getFeature().getKind() == FeatureKind::identity &&
      getX().getType() == getType())
    return getX();
  return {};
}

//===----------------------------------------------------------------------===//
// DiscretizeOp
//===----------------------------------------------------------------------===//

LogicalResult DiscretizeOp::verify() {
  ShapeVerifier shapes(*this);
  return shapes.verify({{"dt", getDt().getType(), "B T H"},
                        {"A_log", getALog().getType(), "H N"},
                        {"dt_bias", getDtBias().getType(), "H"},
                        {"loga", getLoga().getType(), "B T H N"},
                        {"beta", getBeta().getType(), "B T H"}});
}

//===----------------------------------------------------------------------===//
// BasisWeightsOp
//===----------------------------------------------------------------------===//

LogicalResult BasisWeightsOp::verify() {
  ShapeVerifier shapes(*this);
  return shapes.verify(
      {{"g", getG().getType(), "B T H N"}, {"gamma", getType(), "B T H N"}});
}

OpFoldResult BasisWeightsOp::fold(FoldAdaptor adaptor) {
  auto type = llvm::cast<RankedTensorType>(getType());
  if (getKind() != BasisWeights::uniform || !type.hasStaticShape())
    return {};
  int64_t basisSize = type.getShape().back();
  if (basisSize < 1)
    return {};
  return DenseElementsAttr::get(type,
                                APFloat(1.0f / static_cast<float>(basisSize)));
}

//===----------------------------------------------------------------------===//
// ScanOp
//===----------------------------------------------------------------------===//

/// Shared checks of the recurrence operands of ida.scan and ida.scan_grad.
template <typename OpTy>
static LogicalResult verifyScanOperands(OpTy op, ShapeVerifier &shapes) {
  if (failed(checkChunk(op, op.getChunkAttr())) ||
      failed(checkNormalizerOperand(op, "Z0", op.getZ0(), op.getNormalize())))
    return failure();
  Type elementType = op.getQ().getType().getElementType();
  if (failed(checkElementType(op, "phi(k)", op.getK().getType(), elementType,
                              "phi(q)")) ||
      failed(checkElementType(op, "v", op.getV().getType(), elementType,
                              "phi(q)")))
    return failure();
  return shapes.verify({{"phi(q)", op.getQ().getType(), "B T H F"},
                        {"phi(k)", op.getK().getType(), "B T H F"},
                        {"v", op.getV().getType(), "B T H P"},
                        {"loga", op.getLoga().getType(), "B T H N"},
                        {"beta", op.getBeta().getType(), "B T H"},
                        {"gamma", op.getGamma().getType(), "B T H N"},
                        {"S0", typeOf(op.getS0()), "B H N F P"},
                        {"Z0", typeOf(op.getZ0()), "B H N F"}});
}

LogicalResult ScanOp::verify() {
  ShapeVerifier shapes(*this);
  if (failed(verifyScanOperands(*this, shapes)))
    return failure();
  if (failed(checkFinalStateCount(*this, getFinalState().size(),
                                  getNormalize())) ||
      failed(checkElementType(*this, "y", getY().getType(),
                              getV().getType().getElementType(), "v")))
    return failure();
  return shapes.verify({{"y", getY().getType(), "B T H P"},
                        {"S_T", typeOf(getST()), "B H N F P"},
                        {"Z_T", typeOf(getZT()), "B H N F"}});
}

namespace {
/// Drops trailing final-state results (Z_T, then S_T) that have no uses.
template <typename OpTy>
struct DropUnusedFinalState : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    ResultRange states = op.getFinalState();
    unsigned keep = states.size();
    while (keep > 0 && states[keep - 1].use_empty())
      --keep;
    if (keep == states.size())
      return failure();

    SmallVector<Type> resultTypes;
    resultTypes.push_back(op.getY().getType());
    for (unsigned i = 0; i < keep; ++i)
      resultTypes.push_back(states[i].getType());
    Operation *newOp = Operation::create(
        op.getLoc(), op->getName(), resultTypes, op->getOperands(),
        NamedAttrList(op->getDiscardableAttrDictionary()),
        op->getPropertiesStorage(), /*successors=*/{}, /*numRegions=*/0);
    rewriter.insert(newOp);
    for (unsigned i = 0; i <= keep; ++i)
      rewriter.replaceAllUsesWith(op->getResult(i), newOp->getResult(i));
    rewriter.eraseOp(op);
    return success();
  }
};
} // namespace

void ScanOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<DropUnusedFinalState<ScanOp>>(context);
}

/// The VJP of ida.scan is ida.scan_grad. `cotangents` is [dy, dS_T?, dZ_T?]
/// (one per result); dy must be given. Gradients come back in operand order:
/// phi(q), phi(k), v, loga, beta, gamma, then S0 and Z0 when present.
LogicalResult ScanOp::buildVjp(OpBuilder &builder, ValueRange cotangents,
                               SmallVectorImpl<Value> &gradients) {
  if (cotangents.size() != getNumResults() || !cotangents[0])
    return emitOpError() << "expected one cotangent per result and a "
                            "non-null cotangent for 'y'";
  Value dST = cotangents.size() > 1 ? cotangents[1] : Value();
  Value dZT = cotangents.size() > 2 ? cotangents[2] : Value();

  SmallVector<Type> resultTypes;
  for (Value operand : getOperands())
    resultTypes.push_back(operand.getType());
  auto grad = builder.create<ScanGradOp>(
      getLoc(), resultTypes, getQ(), getK(), getV(), getLoga(), getBeta(),
      getGamma(), cotangents[0], getS0(), getZ0(), dST, dZT, getChunkAttr(),
      getNormalizeAttr());
  gradients.assign(grad->result_begin(), grad->result_end());
  return success();
}

//===----------------------------------------------------------------------===//
// ScanGradOp
//===----------------------------------------------------------------------===//

LogicalResult ScanGradOp::verify() {
  ShapeVerifier shapes(*this);
  if (failed(verifyScanOperands(*this, shapes)))
    return failure();
  if (failed(checkNormalizerOperand(*this, "dZ_T", getDZ_T(), getNormalize())))
    return failure();

  unsigned expectedInit = (getS0() ? 1 : 0) + (getZ0() ? 1 : 0);
  if (getDinit().size() != expectedInit)
    return emitOpError() << "expected " << expectedInit
                         << " initial-state cotangent result(s) (dS0 iff 'S0', "
                            "dZ0 iff 'Z0'), got "
                         << getDinit().size();

  Type vType = getV().getType().getElementType();
  if (failed(checkElementType(*this, "dy", getDy().getType(), vType, "v")) ||
      failed(checkElementType(*this, "dq", getDq().getType(),
                              getQ().getType().getElementType(), "phi(q)")) ||
      failed(checkElementType(*this, "dk", getDk().getType(),
                              getK().getType().getElementType(), "phi(k)")) ||
      failed(checkElementType(*this, "dv", getDv().getType(), vType, "v")))
    return failure();

  return shapes.verify({{"dy", getDy().getType(), "B T H P"},
                        {"dS_T", typeOf(getDS_T()), "B H N F P"},
                        {"dZ_T", typeOf(getDZ_T()), "B H N F"},
                        {"dq", getDq().getType(), "B T H F"},
                        {"dk", getDk().getType(), "B T H F"},
                        {"dv", getDv().getType(), "B T H P"},
                        {"dloga", getDloga().getType(), "B T H N"},
                        {"dbeta", getDbeta().getType(), "B T H"},
                        {"dgamma", getDgamma().getType(), "B T H N"},
                        {"dS0", typeOf(getDS0()), "B H N F P"},
                        {"dZ0", typeOf(getDZ0()), "B H N F"}});
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  FeatureAttr feature = getFeature();
  BasisAttr basis = getBasis();
  if (failed(checkChunk(*this, getChunkAttr())) ||
      failed(checkWeightsPresence(*this, feature, getW())) ||
      failed(checkNormalizerOperand(*this, "Z0", getZ0(), getNormalize())) ||
      failed(
          checkFinalStateCount(*this, getFinalState().size(), getNormalize())))
    return failure();

  Type elementType = getQ().getType().getElementType();
  for (auto [name, value] : std::initializer_list<NamedValue>{{"k", getK()},
                                                              {"v", getV()},
                                                              {"dt", getDt()},
                                                              {"g", getG()},
                                                              {"y", getY()}})
    if (failed(checkElementType(*this, name, typeOf(value), elementType, "q")))
      return failure();
  if (failed(checkWeightsType(*this, getW(), elementType, "q")))
    return failure();

  ShapeVerifier shapes(*this);
  shapes.fix("N", basis.getSize());
  if (feature.hasWeights())
    shapes.fix("F'", feature.getSize());
  if (failed(shapes.verify({{"q", getQ().getType(), "B T H D"},
                            {"k", getK().getType(), "B T H D"},
                            {"v", getV().getType(), "B T H P"},
                            {"dt", getDt().getType(), "B T H"},
                            {"g", getG().getType(), "B T H N"},
                            {"A_log", getALog().getType(), "H N"},
                            {"dt_bias", getDtBias().getType(), "H"},
                            {"W", typeOf(getW()), "H F' D"}})))
    return failure();
  shapes.fix("F", feature.getFeatureDim(shapes.get("D")));
  return shapes.verify({{"S0", typeOf(getS0()), "B H N F P"},
                        {"Z0", typeOf(getZ0()), "B H N F"},
                        {"y", getY().getType(), "B T H P"},
                        {"S_T", typeOf(getST()), "B H N F P"},
                        {"Z_T", typeOf(getZT()), "B H N F"}});
}

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<DropUnusedFinalState<AttentionOp>>(context);
}

//===----------------------------------------------------------------------===//
// SoftmaxAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxAttentionOp::verify() {
  int64_t window = signedValue(getWindowAttr(), 0);
  if (window < 0)
    return emitOpError() << "expected 'window' >= 0 (0 = full causal), got "
                         << window;
  Type elementType = getQ().getType().getElementType();
  for (auto [name, value] : std::initializer_list<NamedValue>{
           {"k", getK()}, {"v", getV()}, {"y", getY()}})
    if (failed(
            checkElementType(*this, name, value.getType(), elementType, "q")))
      return failure();
  ShapeVerifier shapes(*this);
  return shapes.verify({{"q", getQ().getType(), "B T H D"},
                        {"k", getK().getType(), "B T H D"},
                        {"v", getV().getType(), "B T H P"},
                        {"y", getY().getType(), "B T H P"}});
}

//===----------------------------------------------------------------------===//
// DecodeStepOp
//===----------------------------------------------------------------------===//

LogicalResult DecodeStepOp::verify() {
  FeatureAttr feature = getFeature();
  BasisAttr basis = getBasis();
  if (failed(checkWeightsPresence(*this, feature, getW())))
    return failure();
  if (getNormalize() && !getZ())
    return emitOpError()
           << "expected a normalizer state 'Z' [B, H, N, F] with 'normalize'";
  if (failed(checkNormalizerOperand(*this, "Z", getZ(), getNormalize())))
    return failure();
  if (static_cast<bool>(getZ()) != static_cast<bool>(getZNew()))
    return emitOpError()
           << "expected a 'Z_new' result exactly when 'Z' is given";

  Type elementType = getQ().getType().getElementType();
  for (auto [name, value] : std::initializer_list<NamedValue>{{"k", getK()},
                                                              {"v", getV()},
                                                              {"dt", getDt()},
                                                              {"g", getG()},
                                                              {"y", getY()}})
    if (failed(checkElementType(*this, name, typeOf(value), elementType, "q")))
      return failure();
  if (failed(checkWeightsType(*this, getW(), elementType, "q")))
    return failure();

  ShapeVerifier shapes(*this);
  shapes.fix("N", basis.getSize());
  if (feature.hasWeights())
    shapes.fix("F'", feature.getSize());
  if (failed(shapes.verify({{"q", getQ().getType(), "B H D"},
                            {"k", getK().getType(), "B H D"},
                            {"v", getV().getType(), "B H P"},
                            {"dt", getDt().getType(), "B H"},
                            {"g", getG().getType(), "B H N"},
                            {"A_log", getALog().getType(), "H N"},
                            {"dt_bias", getDtBias().getType(), "H"},
                            {"W", typeOf(getW()), "H F' D"}})))
    return failure();
  shapes.fix("F", feature.getFeatureDim(shapes.get("D")));
  return shapes.verify({{"S", getS().getType(), "B H N F P"},
                        {"Z", typeOf(getZ()), "B H N F"},
                        {"y", getY().getType(), "B H P"},
                        {"S_new", getSNew().getType(), "B H N F P"},
                        {"Z_new", typeOf(getZNew()), "B H N F"}});
}

//===----------------------------------------------------------------------===//
// Gradient ops
//===----------------------------------------------------------------------===//

LogicalResult FeatureMapGradOp::verify() {
  FeatureAttr feature = getFeature();
  if (failed(checkWeightsPresence(*this, feature, getW())))
    return failure();
  if (static_cast<bool>(getW()) != static_cast<bool>(getDW()))
    return emitOpError() << "expected a 'dW' result exactly when 'W' is given";
  Type elementType = getX().getType().getElementType();
  if (failed(checkWeightsType(*this, getW(), elementType, "x")) ||
      failed(checkElementType(*this, "dx", getDx().getType(), elementType,
                              "x")) ||
      failed(checkElementType(*this, "dW", typeOf(getDW()),
                              getW() ? getW().getType().getElementType()
                                     : Type(),
                              "W")))
    return failure();
  ShapeVerifier shapes(*this);
  if (feature.hasWeights())
    shapes.fix("F'", feature.getSize());
  if (failed(shapes.verify({{"x", getX().getType(), "B T H D"},
                            {"W", typeOf(getW()), "H F' D"}})))
    return failure();
  shapes.fix("F", feature.getFeatureDim(shapes.get("D")));
  return shapes.verify({{"dphi", getDphi().getType(), "B T H F"},
                        {"dx", getDx().getType(), "B T H D"},
                        {"dW", typeOf(getDW()), "H F' D"}});
}

LogicalResult DiscretizeGradOp::verify() {
  for (auto [name, primal, grad] :
       std::initializer_list<std::tuple<StringRef, Value, Value>>{
           {"ddt", getDt(), getDdt()},
           {"dA_log", getALog(), getDALog()},
           {"ddt_bias", getDtBias(), getDdtBias()}})
    if (failed(checkElementType(
            *this, name, grad.getType(),
            llvm::cast<ShapedType>(primal.getType()).getElementType(),
            name.drop_front())))
      return failure();
  ShapeVerifier shapes(*this);
  return shapes.verify({{"dt", getDt().getType(), "B T H"},
                        {"A_log", getALog().getType(), "H N"},
                        {"dt_bias", getDtBias().getType(), "H"},
                        {"dloga", getDloga().getType(), "B T H N"},
                        {"dbeta", getDbeta().getType(), "B T H"},
                        {"ddt", getDdt().getType(), "B T H"},
                        {"dA_log", getDALog().getType(), "H N"},
                        {"ddt_bias", getDdtBias().getType(), "H"}});
}

LogicalResult BasisWeightsGradOp::verify() {
  if (failed(checkElementType(*this, "dg", getDg().getType(),
                              getG().getType().getElementType(), "g")))
    return failure();
  ShapeVerifier shapes(*this);
  return shapes.verify({{"g", getG().getType(), "B T H N"},
                        {"dgamma", getDgamma().getType(), "B T H N"},
                        {"dg", getDg().getType(), "B T H N"}});
}

LogicalResult SoftmaxAttentionGradOp::verify() {
  int64_t window = signedValue(getWindowAttr(), 0);
  if (window < 0)
    return emitOpError() << "expected 'window' >= 0 (0 = full causal), got "
                         << window;
  Type elementType = getQ().getType().getElementType();
  for (auto [name, value] : std::initializer_list<NamedValue>{{"k", getK()},
                                                              {"v", getV()},
                                                              {"dy", getDy()},
                                                              {"dq", getDq()},
                                                              {"dk", getDk()},
                                                              {"dv", getDv()}})
    if (failed(
            checkElementType(*this, name, value.getType(), elementType, "q")))
      return failure();
  ShapeVerifier shapes(*this);
  return shapes.verify({{"q", getQ().getType(), "B T H D"},
                        {"k", getK().getType(), "B T H D"},
                        {"v", getV().getType(), "B T H P"},
                        {"dy", getDy().getType(), "B T H P"},
                        {"dq", getDq().getType(), "B T H D"},
                        {"dk", getDk().getType(), "B T H D"},
                        {"dv", getDv().getType(), "B T H P"}});
}

//===----------------------------------------------------------------------===//
// VJP rules (IdaGradientOpInterface)
//===----------------------------------------------------------------------===//

/// Checks that `cotangents` has one entry per result of `op` and that the
/// entries listed in `required` are non-null.
static LogicalResult checkCotangents(Operation *op, ValueRange cotangents,
                                     ArrayRef<unsigned> required) {
  if (cotangents.size() != op->getNumResults())
    return op->emitOpError() << "expected " << op->getNumResults()
                             << " cotangent(s), got " << cotangents.size();
  for (unsigned i : required)
    if (!cotangents[i])
      return op->emitOpError()
             << "VJP needs a cotangent for result #" << i
             << " (partial cotangents of this op are not supported)";
  return success();
}

LogicalResult FeatureMapOp::buildVjp(OpBuilder &builder, ValueRange cotangents,
                                     SmallVectorImpl<Value> &gradients) {
  if (failed(checkCotangents(*this, cotangents, {0})))
    return failure();
  SmallVector<Type> types{getX().getType()};
  if (getW())
    types.push_back(getW().getType());
  auto grad = builder.create<FeatureMapGradOp>(
      getLoc(), types, getX(), getW(), cotangents[0], getFeatureAttr());
  gradients.assign(grad->result_begin(), grad->result_end());
  return success();
}

LogicalResult DiscretizeOp::buildVjp(OpBuilder &builder, ValueRange cotangents,
                                     SmallVectorImpl<Value> &gradients) {
  if (failed(checkCotangents(*this, cotangents, {0, 1})))
    return failure();
  auto grad = builder.create<DiscretizeGradOp>(
      getLoc(),
      TypeRange{getDt().getType(), getALog().getType(),
                getDtBias().getType()},
      getDt(), getALog(), getDtBias(), cotangents[0], cotangents[1]);
  gradients.assign(grad->result_begin(), grad->result_end());
  return success();
}

LogicalResult BasisWeightsOp::buildVjp(OpBuilder &builder,
                                       ValueRange cotangents,
                                       SmallVectorImpl<Value> &gradients) {
  if (failed(checkCotangents(*this, cotangents, {0})))
    return failure();
  auto grad = builder.create<BasisWeightsGradOp>(
      getLoc(), getG().getType(), getG(), cotangents[0], getKindAttr());
  gradients.assign({grad.getDg()});
  return success();
}

LogicalResult SoftmaxAttentionOp::buildVjp(OpBuilder &builder,
                                           ValueRange cotangents,
                                           SmallVectorImpl<Value> &gradients) {
  if (failed(checkCotangents(*this, cotangents, {0})))
    return failure();
  auto grad = builder.create<SoftmaxAttentionGradOp>(
      getLoc(),
      TypeRange{getQ().getType(), getK().getType(), getV().getType()}, getQ(),
      getK(), getV(), cotangents[0], getWindowAttr());
  gradients.assign(grad->result_begin(), grad->result_end());
  return success();
}

/// The VJP of the composite recomputes its decomposition (the primitives are
/// pure; ida-fuse folds the recomputation into the backward kernel) and
/// chains the primitives' rules. The W cotangents of the two feature maps
/// are summed.
LogicalResult AttentionOp::buildVjp(OpBuilder &builder, ValueRange cotangents,
                                    SmallVectorImpl<Value> &gradients) {
  if (failed(checkCotangents(*this, cotangents, {0})))
    return failure();
  AttentionDecomposition d = decomposeAttention(builder, *this);
  SmallVector<Value> scanGrads, qGrads, kGrads, discGrads, basisGrads;
  if (failed(d.scan.buildVjp(builder, cotangents, scanGrads)) ||
      failed(d.phiQ.buildVjp(builder, {scanGrads[0]}, qGrads)) ||
      failed(d.phiK.buildVjp(builder, {scanGrads[1]}, kGrads)) ||
      failed(d.discretize.buildVjp(builder, {scanGrads[3], scanGrads[4]},
                                   discGrads)) ||
      failed(d.basis.buildVjp(builder, {scanGrads[5]}, basisGrads)))
    return failure();
  gradients.clear();
  gradients.append({qGrads[0], kGrads[0], scanGrads[2], discGrads[0],
                    basisGrads[0], discGrads[1], discGrads[2]});
  if (getW())
    gradients.push_back(
        builder.create<arith::AddFOp>(getLoc(), qGrads[1], kGrads[1]));
  for (Value init : ArrayRef<Value>(scanGrads).drop_front(6))
    gradients.push_back(init);
  return success();
}

//===----------------------------------------------------------------------===//
// Decomposition of ida.attention
//===----------------------------------------------------------------------===//

AttentionDecomposition mlir::ida::decomposeAttention(OpBuilder &builder,
                                                     AttentionOp op) {
  Location loc = op.getLoc();
  auto qType = op.getQ().getType();
  int64_t featureDim = op.getFeature().getFeatureDim(qType.getShape().back());
  auto phiType = [&](RankedTensorType x) {
    SmallVector<int64_t> shape(x.getShape());
    shape.back() = featureDim;
    return RankedTensorType::get(shape, x.getElementType());
  };
  AttentionDecomposition d;
  d.phiQ = builder.create<FeatureMapOp>(loc, phiType(qType), op.getQ(),
                                        op.getW(), op.getFeatureAttr());
  d.phiK = builder.create<FeatureMapOp>(loc, phiType(op.getK().getType()),
                                        op.getK(), op.getW(),
                                        op.getFeatureAttr());
  Type f32 = builder.getF32Type();
  auto dtShape = op.getDt().getType().getShape();
  int64_t basisSize = op.getBasis().getSize();
  SmallVector<int64_t> logaShape(dtShape);
  logaShape.push_back(basisSize);
  d.discretize = builder.create<DiscretizeOp>(
      loc,
      TypeRange{RankedTensorType::get(logaShape, f32),
                RankedTensorType::get(dtShape, f32)},
      op.getDt(), op.getALog(), op.getDtBias());
  d.basis = builder.create<BasisWeightsOp>(
      loc, RankedTensorType::get(op.getG().getType().getShape(), f32),
      op.getG(),
      BasisWeightsAttr::get(op.getContext(), op.getBasis().getWeights()));
  d.scan = builder.create<ScanOp>(
      loc, op->getResultTypes(), d.phiQ.getPhi(), d.phiK.getPhi(), op.getV(),
      d.discretize.getLoga(), d.discretize.getBeta(), d.basis.getGamma(),
      op.getS0(), op.getZ0(), op.getChunkAttr(), op.getNormalizeAttr());
  return d;
}

#define GET_OP_CLASSES
#include "dialect/IdaOps.cpp.inc"

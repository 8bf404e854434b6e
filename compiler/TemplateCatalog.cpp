//===- TemplateCatalog.cpp - What the compiler knows about templates -----===//
//
// Buffer orders, programs, grids, workspaces and tuning spaces of the kernel
// templates of docs/templates.md, and the reading of fused groups as
// template instances.
//
//===----------------------------------------------------------------------===//

#include "compiler/TemplateCatalog.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <set>

using namespace mlir;
using namespace mlir::ida;
using namespace mlir::ida::catalog;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::string catalog::dtypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isBF16())
    return "bf16";
  if (type.isF16())
    return "f16";
  return "";
}

static std::string str(int64_t value) { return std::to_string(value); }

bool catalog::usesMma(const GroupInfo &info) {
  if (info.role == "decode")
    return false;
  Type inT = info.role.rfind("softmax", 0) == 0 ? info.attn.inT : info.scan.inT;
  return inT.isBF16() || inT.isF16();
}

namespace {

/// Reads the ops of one group; errors are emitted at the offending op.
class GroupReader {
public:
  GroupReader(FusedOp group, GroupInfo &info) : group(group), info(info) {}

  /// The fused op's operand behind a block argument, or null.
  Value outer(Value inner) {
    auto arg = dyn_cast_or_null<BlockArgument>(inner);
    if (!arg || arg.getOwner() != &group.getBodyBlock())
      return Value();
    return group.getInputs()[arg.getArgNumber()];
  }

  /// Binds slot `slot` to the group input behind `inner` (null: absent).
  LogicalResult bind(Operation *at, StringRef slot, Value inner) {
    if (!inner)
      return success();
    Value value = outer(inner);
    if (!value)
      return at->emitOpError()
             << "operand '" << slot
             << "' must be an input of the fused group for the kernel "
                "template (it is computed inside the group by an op the "
                "template does not implement)";
    info.inputs[slot] = value;
    return success();
  }

  LogicalResult requireF32(Operation *at, StringRef slot, Value value) {
    if (!value)
      return success();
    Type element = cast<ShapedType>(value.getType()).getElementType();
    if (element.isF32())
      return success();
    return at->emitOpError() << "'" << slot
                             << "' must be f32 for the kernel templates "
                                "(parameters are read as f32), got "
                             << value.getType();
  }

  /// Reads the prologue of a scan or scan_grad: feature maps of q and k,
  /// discretize, basis weights. Fills the input slots and the parameters.
  template <typename ScanLike>
  LogicalResult readPrologue(ScanLike scan) {
    ScanParams &p = info.scan;
    FeatureAttr feature;
    Value weights;
    auto readFeature = [&](Value phi, StringRef slot) -> LogicalResult {
      if (auto map = phi.getDefiningOp<FeatureMapOp>()) {
        if (feature && (map.getFeature() != feature || map.getW() != weights))
          return map.emitOpError()
                 << "feature maps of q and k must have the same kind and "
                    "weights to form one kernel (the templates apply one phi)";
        feature = map.getFeature();
        weights = map.getW();
        p.D = map.getX().getType().getShape().back();
        return bind(map, slot, map.getX());
      }
      if (feature && feature.getKind() != FeatureKind::identity)
        return scan.emitOpError()
               << "'" << slot
               << "' has no feature map while the other operand has one";
      feature = FeatureAttr::get(scan.getContext(), FeatureKind::identity, 0);
      p.D = cast<ShapedType>(phi.getType()).getShape().back();
      return bind(scan, slot, phi);
    };
    if (failed(readFeature(scan.getQ(), "q")) ||
        failed(readFeature(scan.getK(), "k")))
      return failure();
    p.feature = feature.getKind();
    p.Fp = feature.hasWeights() ? feature.getSize() : 0;
    if (failed(bind(scan, "W", weights)) ||
        failed(requireF32(scan, "W", weights)))
      return failure();

    auto disc = scan.getLoga().template getDefiningOp<DiscretizeOp>();
    if (!disc || scan.getBeta().template getDefiningOp<DiscretizeOp>() != disc ||
        scan.getLoga() != disc.getLoga() || scan.getBeta() != disc.getBeta())
      return scan.emitOpError()
             << "'loga' and 'beta' must come from one ida.discretize in the "
                "group (the templates compute them from dt, A_log, dt_bias)";
    if (failed(bind(disc, "dt", disc.getDt())) ||
        failed(bind(disc, "A_log", disc.getALog())) ||
        failed(bind(disc, "dt_bias", disc.getDtBias())) ||
        failed(requireF32(disc, "A_log", disc.getALog())) ||
        failed(requireF32(disc, "dt_bias", disc.getDtBias())))
      return failure();

    Value gamma = scan.getGamma();
    if (auto weightsOp = gamma.template getDefiningOp<BasisWeightsOp>()) {
      p.basis = weightsOp.getKind();
      if (p.basis != BasisWeights::uniform &&
          failed(bind(weightsOp, "g", weightsOp.getG())))
        return failure();
      if (p.basis == BasisWeights::uniform)
        if (Value g = outer(weightsOp.getG()))
          info.inputs["g"] = g;
    } else if (auto constant = gamma.template getDefiningOp<arith::ConstantOp>()) {
      auto splat = dyn_cast<SplatElementsAttr>(constant.getValue());
      int64_t n = cast<ShapedType>(gamma.getType()).getShape().back();
      if (!splat || std::abs(splat.getSplatValue<APFloat>().convertToDouble() -
                             1.0 / n) > 1e-6)
        return scan.emitOpError()
               << "'gamma' must come from ida.basis_weights (or be the "
                  "uniform constant 1/N) to form a kernel";
      p.basis = BasisWeights::uniform;
    } else {
      return scan.emitOpError()
             << "'gamma' must come from ida.basis_weights in the group";
    }

    p.F = scan.getQ().getType().getShape().back();
    p.N = scan.getLoga().getType().getShape().back();
    p.P = scan.getV().getType().getShape().back();
    p.H = scan.getV().getType().getShape()[2];
    p.normalize = scan.getNormalize();
    p.inT = scan.getV().getType().getElementType();
    p.hasS0 = static_cast<bool>(scan.getS0());
    info.chunk = scan.getChunk();
    return success(succeeded(bind(scan, "v", scan.getV())) &&
                   succeeded(bind(scan, "S0", scan.getS0())) &&
                   succeeded(bind(scan, "Z0", scan.getZ0())));
  }

  LogicalResult readScanFwd(ScanOp scan, YieldOp yield) {
    if (failed(readPrologue(scan)))
      return failure();
    for (auto [index, value] : llvm::enumerate(yield.getValues())) {
      if (value == scan.getY())
        info.outputs["y"] = index;
      else if (value == scan.getST())
        info.outputs["S_T"] = index;
      else if (value == scan.getZT())
        info.outputs["Z_T"] = index;
      else
        return yield.emitOpError()
               << "result #" << index
               << " of a scan_fwd group must be y, S_T or Z_T of its ida.scan";
    }
    info.scan.hasST = static_cast<bool>(scan.getST());
    return success();
  }

  LogicalResult readScanBwd(ScanGradOp grad, YieldOp yield) {
    if (failed(readPrologue(grad)) || failed(bind(grad, "dy", grad.getDy())) ||
        failed(bind(grad, "dS_T", grad.getDS_T())) ||
        failed(bind(grad, "dZ_T", grad.getDZ_T())))
      return failure();
    info.scan.hasST = static_cast<bool>(grad.getDS_T());
    // Names the value a yielded result holds.
    auto slotOf = [&](Value value) -> std::string {
      if (value == grad.getDv())
        return "dv";
      if (value == grad.getDS0())
        return "dS0";
      if (value == grad.getDZ0())
        return "dZ0";
      if (value == grad.getDq() && !grad.getQ().getDefiningOp())
        return "dq";
      if (value == grad.getDk() && !grad.getK().getDefiningOp())
        return "dk";
      Operation *def = value.getDefiningOp();
      if (auto map = dyn_cast_or_null<FeatureMapGradOp>(def)) {
        bool isQ = map.getDphi() == grad.getDq();
        bool isK = map.getDphi() == grad.getDk();
        if (!isQ && !isK)
          return "";
        if (value == map.getDx())
          return isQ ? "dq" : "dk";
        return isQ ? "dW_q" : "dW_k";
      }
      if (auto disc = dyn_cast_or_null<DiscretizeGradOp>(def)) {
        if (disc.getDloga() != grad.getDloga() ||
            disc.getDbeta() != grad.getDbeta())
          return "";
        if (value == disc.getDdt())
          return "ddt";
        return value == disc.getDALog() ? "dA_log" : "ddt_bias";
      }
      if (auto basis = dyn_cast_or_null<BasisWeightsGradOp>(def))
        return basis.getDgamma() == grad.getDgamma() ? "dg" : "";
      return "";
    };
    for (auto [index, value] : llvm::enumerate(yield.getValues())) {
      std::string slot = slotOf(value);
      if (auto add = value.getDefiningOp<arith::AddFOp>()) {
        std::set<std::string> parts{slotOf(add.getLhs()),
                                    slotOf(add.getRhs())};
        if (parts == std::set<std::string>{"dW_q", "dW_k"})
          slot = "dW";
      }
      if (slot == "dW_q" || slot == "dW_k")
        slot = info.scan.feature == FeatureKind::identity ? "" : slot;
      if (slot.empty() || slot == "dW_q" || slot == "dW_k") {
        Operation *at = value.getDefiningOp() ? value.getDefiningOp()
                                              : yield.getOperation();
        return at->emitOpError()
               << "result #" << index
               << " of a scan_bwd group is not a gradient the backward "
                  "kernel produces (dq, dk, dv, ddt, dg, dA_log, ddt_bias, "
                  "the summed dW of both feature maps, dS0, dZ0)";
      }
      info.outputs[slot] = index;
    }
    return success();
  }

  LogicalResult readDecode(DecodeStepOp op, YieldOp yield) {
    ScanParams &p = info.scan;
    p.D = op.getQ().getType().getShape().back();
    p.F = op.getFeature().getFeatureDim(p.D);
    p.Fp = op.getFeature().hasWeights() ? op.getFeature().getSize() : 0;
    p.N = op.getBasis().getSize();
    p.P = op.getV().getType().getShape().back();
    p.H = op.getV().getType().getShape()[1];
    p.feature = op.getFeature().getKind();
    p.basis = op.getBasis().getWeights();
    p.normalize = op.getNormalize();
    p.inT = op.getQ().getType().getElementType();
    p.hasS0 = p.hasST = true;
    for (auto [slot, value] : std::initializer_list<std::pair<StringRef, Value>>{
             {"q", op.getQ()}, {"k", op.getK()}, {"v", op.getV()},
             {"dt", op.getDt()}, {"g", op.getG()}, {"A_log", op.getALog()},
             {"dt_bias", op.getDtBias()}, {"W", op.getW()}, {"S", op.getS()},
             {"Z", op.getZ()}})
      if (failed(bind(op, slot, value)))
        return failure();
    if (failed(requireF32(op, "A_log", op.getALog())) ||
        failed(requireF32(op, "dt_bias", op.getDtBias())) ||
        failed(requireF32(op, "W", op.getW())))
      return failure();
    for (auto [index, value] : llvm::enumerate(yield.getValues())) {
      if (value == op.getY())
        info.outputs["y"] = index;
      else if (value == op.getSNew())
        info.outputs["S_new"] = index;
      else if (value == op.getZNew())
        info.outputs["Z_new"] = index;
    }
    if (!info.outputs.count("S_new") ||
        (op.getZNew() && !info.outputs.count("Z_new")))
      return op.emitOpError()
             << "the decode kernel writes the new state: S_new (and Z_new) "
                "must be results of the group";
    return success();
  }

  template <typename AttnLike>
  LogicalResult readAttn(AttnLike op) {
    AttnParams &p = info.attn;
    p.D = op.getQ().getType().getShape().back();
    p.P = op.getV().getType().getShape().back();
    p.H = op.getQ().getType().getShape()[2];
    p.window = op.getWindow();
    p.inT = op.getQ().getType().getElementType();
    return success(succeeded(bind(op, "q", op.getQ())) &&
                   succeeded(bind(op, "k", op.getK())) &&
                   succeeded(bind(op, "v", op.getV())));
  }

private:
  FusedOp group;
  GroupInfo &info;
};

/// The single op of type OpTy in the group's body, or null (with an error
/// when there are several).
template <typename OpTy>
OpTy findAnchor(FusedOp group, bool &ambiguous) {
  OpTy found;
  ambiguous = false;
  group.getBodyBlock().walk([&](OpTy op) {
    if (found)
      ambiguous = true;
    found = op;
  });
  return found;
}

} // namespace

FailureOr<GroupInfo> catalog::analyzeGroup(FusedOp group) {
  GroupInfo info(group.getLoc());
  info.role = group.getRole().str();
  GroupReader reader(group, info);
  auto yield = cast<YieldOp>(group.getBodyBlock().getTerminator());
  bool ambiguous = false;
  auto fail = [&](StringRef what) {
    group.emitOpError() << "a '" << info.role << "' group must contain "
                        << (ambiguous ? "exactly one " : "an ") << what;
    return failure();
  };
  StringRef role = info.role;
  if (role == "scan_fwd") {
    auto scan = findAnchor<ScanOp>(group, ambiguous);
    if (!scan || ambiguous)
      return fail("ida.scan");
    info.origin = scan.getLoc();
    if (failed(reader.readScanFwd(scan, yield)))
      return failure();
  } else if (role == "scan_bwd") {
    auto grad = findAnchor<ScanGradOp>(group, ambiguous);
    if (!grad || ambiguous)
      return fail("ida.scan_grad");
    info.origin = grad.getLoc();
    if (failed(reader.readScanBwd(grad, yield)))
      return failure();
  } else if (role == "decode") {
    auto op = findAnchor<DecodeStepOp>(group, ambiguous);
    if (!op || ambiguous)
      return fail("ida.decode_step");
    info.origin = op.getLoc();
    if (failed(reader.readDecode(op, yield)))
      return failure();
  } else if (role == "softmax_attn_fwd") {
    auto op = findAnchor<SoftmaxAttentionOp>(group, ambiguous);
    if (!op || ambiguous)
      return fail("ida.softmax_attention");
    info.origin = op.getLoc();
    if (failed(reader.readAttn(op)))
      return failure();
    if (yield.getValues().size() != 1 || yield.getValues()[0] != op.getY())
      return op.emitOpError() << "a softmax_attn_fwd group yields only y";
    info.outputs["y"] = 0;
  } else {
    auto op = findAnchor<SoftmaxAttentionGradOp>(group, ambiguous);
    if (!op || ambiguous)
      return fail("ida.softmax_attention_grad");
    info.origin = op.getLoc();
    if (failed(reader.readAttn(op)) ||
        failed(reader.bind(op, "dy", op.getDy())))
      return failure();
    for (auto [index, value] : llvm::enumerate(yield.getValues())) {
      if (value == op.getDq())
        info.outputs["dq"] = index;
      else if (value == op.getDk())
        info.outputs["dk"] = index;
      else if (value == op.getDv())
        info.outputs["dv"] = index;
      else
        return op.emitOpError()
               << "a softmax_attn_bwd group yields only dq, dk and dv";
    }
  }
  Type inT = info.role.rfind("softmax", 0) == 0 ? info.attn.inT : info.scan.inT;
  if (dtypeName(inT).empty())
    return group.emitOpError() << "unsupported element type " << inT;
  return info;
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

static const char *const kScanFwdSlots[] = {
    "q", "k", "v", "dt", "g", "A_log", "dt_bias", "W", "S0", "Z0",
    "y", "S_T", "Z_T"};
static const char *const kDecodeSlots[] = {
    "q", "k", "v", "dt", "g", "A_log", "dt_bias", "W", "S", "Z",
    "y", "S_new", "Z_new"};
static const char *const kScanBwdSlots[] = {
    "q",  "k",  "v",  "dt", "g",   "A_log", "dt_bias", "W",   "S0",  "Z0",
    "dy", "dS_T", "dZ_T", "dq", "dk", "dv", "ddt", "dg", "dS0", "dZ0"};

std::vector<KernelDesc> catalog::kernelsFor(const GroupInfo &info,
                                            StringRef strategy) {
  const ScanParams &p = info.scan;
  std::string nv = "cdiv(" + str(p.P) + ", BV)";
  std::vector<KernelDesc> kernels;
  StringRef role = info.role;
  if (role == "scan_fwd" || role == "decode") {
    KernelDesc k;
    bool decode = role == "decode";
    if (decode)
      k.slots.assign(std::begin(kDecodeSlots), std::end(kDecodeSlots));
    else
      k.slots.assign(std::begin(kScanFwdSlots), std::end(kScanFwdSlots));
    k.outputSlots.assign(k.slots.begin() + 10, k.slots.end());
    if (decode) {
      k.templateName = "scan_decode";
      k.programs.push_back({"decode", "ScanDecodeProgram", {nv, "H", "B"}});
      k.keys = {"BV", "NUM_WARPS", "STAGES"};
    } else if (strategy == "twopass") {
      k.templateName = "scan_fwd_twopass";
      std::string chunks = "cdiv(T, C) * " + nv;
      k.programs.push_back(
          {"chunk_states", "ScanChunkStatesProgram", {chunks, "H", "B"}});
      k.programs.push_back(
          {"state_passing", "ScanStatePassingProgram", {nv, "H", "B"}});
      k.programs.push_back(
          {"chunk_output", "ScanChunkOutputProgram", {chunks, "H", "B"}});
      k.slots.push_back("@ws_state");
      k.slots.push_back("@ws_decay");
      std::string vw = "min(BV, " + str(p.P) + ")" + (p.normalize ? " + 1" : "");
      k.workspaces.push_back({"ws_state", "f32",
                              {"B", "H", "cdiv(T, C)", nv, str(p.N * p.F), vw}});
      k.workspaces.push_back(
          {"ws_decay", "f32", {"B", "H", "cdiv(T, C)", str(p.N)}});
      k.keys = {"STRATEGY", "C", "BV", "NUM_WARPS", "STAGES"};
    } else {
      k.templateName = "scan_fwd_onepass";
      k.programs.push_back({"fwd", "ScanFwdOnePassProgram", {nv, "H", "B"}});
      k.keys = {"STRATEGY", "C", "BV", "NUM_WARPS", "STAGES"};
    }
    if (usesMma(info))
      k.keys.push_back("MMA");
    kernels.push_back(std::move(k));
    return kernels;
  }
  if (role == "scan_bwd") {
    KernelDesc main;
    main.templateName = "scan_bwd";
    main.slots.assign(std::begin(kScanBwdSlots), std::end(kScanBwdSlots));
    main.outputSlots.assign(main.slots.begin() + 13, main.slots.end());
    main.slots.push_back("@ws_state");
    main.slots.push_back("tmp:ws_param");
    main.outputSlots.push_back("tmp:ws_param");
    // Chunk-entry state slices per value tile, then each tile's dS.
    std::string vw = "min(BV, " + str(p.P) + ")" + (p.normalize ? " + 1" : "");
    main.workspaces.push_back(
        {"ws_state", "f32",
         {"B", "H", "cdiv(T, C) + 1", nv, str(p.N * p.F), vw}});
    main.programs.push_back({"bwd", "ScanBwdProgram", {"1", "H", "B"}});
    main.keys = {"C", "BV", "NUM_WARPS", "STAGES"};
    if (usesMma(info))
      main.keys.push_back("MMA");
    KernelDesc reduce;
    reduce.templateName = "scan_bwd_param_reduce";
    reduce.slots = {"tmp:ws_param", "dA_log", "ddt_bias", "dW"};
    reduce.outputSlots = {"dA_log", "ddt_bias", "dW"};
    reduce.programs.push_back(
        {"reduce", "ScanBwdParamReduceProgram", {"H", "1", "1"}});
    kernels.push_back(std::move(main));
    kernels.push_back(std::move(reduce));
    return kernels;
  }
  KernelDesc fwd;
  fwd.templateName = "softmax_attn_fwd";
  fwd.programs.push_back(
      {"fwd", "SoftmaxAttnFwdProgram", {"cdiv(T, BM)", "H", "B"}});
  fwd.keys = {"BM", "BN", "NUM_WARPS", "STAGES"};
  if (usesMma(info))
    fwd.keys.push_back("MMA");
  if (role == "softmax_attn_fwd") {
    fwd.slots = {"q", "k", "v", "y", "lse"};
    fwd.outputSlots = {"y", "lse"};
    kernels.push_back(std::move(fwd));
    return kernels;
  }
  // Backward: recompute y and the log-sum-exp, then the two programs.
  fwd.slots = {"q", "k", "v", "tmp:y", "tmp:lse"};
  fwd.outputSlots = {"tmp:y", "tmp:lse"};
  KernelDesc bwd;
  bwd.templateName = "softmax_attn_bwd";
  bwd.slots = {"q", "k", "v", "tmp:y", "tmp:lse", "dy", "dq", "dk", "dv"};
  bwd.outputSlots = {"dq", "dk", "dv"};
  bwd.programs.push_back(
      {"dkdv", "SoftmaxAttnBwdDKDVProgram", {"cdiv(T, BN)", "H", "B"}});
  bwd.programs.push_back(
      {"dq", "SoftmaxAttnBwdDQProgram", {"cdiv(T, BM)", "H", "B"}});
  bwd.keys = fwd.keys;
  kernels.push_back(std::move(fwd));
  kernels.push_back(std::move(bwd));
  return kernels;
}

std::vector<std::string> catalog::slotShape(const GroupInfo &info,
                                            StringRef slot) {
  slot.consume_front("tmp:");
  if (info.role.rfind("softmax", 0) == 0) {
    const AttnParams &a = info.attn;
    if (slot == "lse")
      return {"B", "H", "T"};
    if (slot == "q" || slot == "k" || slot == "dq" || slot == "dk")
      return {"B", "T", "H", str(a.D)};
    return {"B", "T", "H", str(a.P)};
  }
  const ScanParams &p = info.scan;
  std::string D = str(p.D), P = str(p.P), N = str(p.N), F = str(p.F);
  if (info.role == "decode") {
    if (slot == "q" || slot == "k")
      return {"B", "H", D};
    if (slot == "v" || slot == "y")
      return {"B", "H", P};
    if (slot == "dt")
      return {"B", "H"};
    if (slot == "g")
      return {"B", "H", N};
  }
  if (slot == "q" || slot == "k" || slot == "dq" || slot == "dk")
    return {"B", "T", "H", D};
  if (slot == "v" || slot == "y" || slot == "dy" || slot == "dv")
    return {"B", "T", "H", P};
  if (slot == "dt" || slot == "ddt")
    return {"B", "T", "H"};
  if (slot == "g" || slot == "dg")
    return {"B", "T", "H", N};
  if (slot == "A_log" || slot == "dA_log")
    return {"H", N};
  if (slot == "dt_bias" || slot == "ddt_bias")
    return {"H"};
  if (slot == "W" || slot == "dW")
    return {"H", str(p.Fp), D};
  if (slot == "ws_param")
    return {"B", "H", str(p.N + 1 + p.Fp * p.D)};
  if (slot.starts_with("Z") || slot.starts_with("dZ"))
    return {"B", "H", N, F};
  // S0, S_T, S, S_new, dS_T, dS0.
  return {"B", "H", N, F, P};
}

std::string catalog::slotDType(const GroupInfo &info, StringRef slot) {
  slot.consume_front("tmp:");
  static const char *const kActivations[] = {
      "q", "k", "v", "dt", "g", "y", "dy", "dq", "dk", "dv", "ddt", "dg"};
  for (const char *name : kActivations)
    if (slot == name)
      return dtypeName(info.role.rfind("softmax", 0) == 0 ? info.attn.inT
                                                          : info.scan.inT);
  return "f32";
}

DictionaryAttr catalog::staticParams(Builder &builder, const GroupInfo &info) {
  SmallVector<NamedAttribute> attrs;
  auto add = [&](StringRef name, Attribute value) {
    attrs.push_back(builder.getNamedAttr(name, value));
  };
  if (info.role.rfind("softmax", 0) == 0) {
    const AttnParams &a = info.attn;
    add("D", builder.getI64IntegerAttr(a.D));
    add("P", builder.getI64IntegerAttr(a.P));
    add("H", builder.getI64IntegerAttr(a.H));
    add("window", builder.getI64IntegerAttr(a.window));
    add("in_t", builder.getStringAttr(dtypeName(a.inT)));
    return builder.getDictionaryAttr(attrs);
  }
  const ScanParams &p = info.scan;
  add("D", builder.getI64IntegerAttr(p.D));
  add("F", builder.getI64IntegerAttr(p.F));
  add("Fp", builder.getI64IntegerAttr(p.Fp));
  add("N", builder.getI64IntegerAttr(p.N));
  add("P", builder.getI64IntegerAttr(p.P));
  add("H", builder.getI64IntegerAttr(p.H));
  add("feature", builder.getStringAttr(stringifyEnum(p.feature)));
  add("basis", builder.getStringAttr(stringifyEnum(p.basis)));
  add("normalize", builder.getBoolAttr(p.normalize));
  add("has_S0", builder.getBoolAttr(p.hasS0));
  add("has_ST", builder.getBoolAttr(p.hasST));
  add("in_t", builder.getStringAttr(dtypeName(p.inT)));
  return builder.getDictionaryAttr(attrs);
}

//===----------------------------------------------------------------------===//
// Tuning spaces
//===----------------------------------------------------------------------===//

int64_t catalog::scanFwdFootprint(const ScanParams &p, int64_t C, int64_t BV) {
  int64_t vw = std::min(BV, p.P) + (p.normalize ? 1 : 0);
  int64_t floats = p.N * p.F * vw +
                   C * (2 * p.D + 3 * p.F + 3 * vw + 4 * p.N) + 2 * C * C;
  return 4 * floats;
}

int64_t catalog::scanBwdFootprint(const ScanParams &p, int64_t C, int64_t BV) {
  int64_t vw = std::min(BV, p.P) + (p.normalize ? 1 : 0);
  int64_t nf = p.N * p.F;
  int64_t fw = std::max<int64_t>(p.Fp, 1);
  // state and dS slices; per-row tiles; C x C tiles; the four C x NF
  // feature/state products; W and its gradient; the arena header.
  int64_t floats = 2 * nf * vw + C * (3 * p.D + 6 * p.F + 6 * vw + 12 * p.N) +
                   6 * C * C + 4 * C * nf + 3 * fw * p.D + 512;
  return 4 * floats;
}

int64_t catalog::attnFootprint(const AttnParams &p, int64_t BM, int64_t BN,
                               bool backward) {
  int64_t floats = BM * p.D + BN * p.D + BN * p.P + BM * BN + 2 * BM * p.P;
  if (backward)
    floats = 2 * (BM * p.D + BN * p.D + BN * p.P + BM * p.P + BM * BN);
  return 4 * floats;
}

/// Appends the MMA key to a planned space (usesMma): every row once with
/// the split-bf16 tensor-core path (2) and once with fp32 matmuls (0, a
/// choice for the tuner), the default with 2. The single-bf16 path (1) is
/// left out: its parameter gradients miss the bf16 tolerance.
static void addMmaKey(Plan &plan) {
  plan.keys.push_back("MMA");
  std::vector<std::vector<int64_t>> configs;
  for (const std::vector<int64_t> &config : plan.configs)
    for (int64_t mma : {0, 2}) {
      configs.push_back(config);
      configs.back().push_back(mma);
    }
  plan.configs = std::move(configs);
  plan.defaultConfig.push_back(2);
}

/// The space of every key but MMA, and its default.
static FailureOr<Plan> planGroupWithoutMma(FusedOp group, const GroupInfo &info,
                                           const SpaceOptions &options) {
  Plan plan;
  StringRef role = info.role;
  const ScanParams &p = info.scan;
  std::vector<int64_t> warps = {4, 8}, stages = {1, 2};
  int64_t budget = role == "scan_bwd" ? options.bwdBudget : options.smemBudget;

  if (role.starts_with("softmax")) {
    plan.strategy = "flash";
    plan.keys = {"BM", "BN", "NUM_WARPS", "STAGES"};
    bool backward = role == "softmax_attn_bwd";
    int64_t smallest = -1;
    for (int64_t bm : {32, 64, 128})
      for (int64_t bn : {32, 64, 128}) {
        int64_t bytes = attnFootprint(info.attn, bm, bn, backward);
        if (smallest < 0 || bytes < smallest)
          smallest = bytes;
        if (bytes > budget)
          continue;
        for (int64_t w : warps)
          for (int64_t s : stages)
            plan.configs.push_back({bm, bn, w, s});
      }
    if (plan.configs.empty()) {
      group.emitOpError() << "tuning space cannot fit any tile: the smallest "
                             "(BM=32, BN=32) needs "
                          << smallest << " bytes on chip, more than the budget "
                          << budget << " (ida-plan smem-budget)";
      return failure();
    }
    auto preferred = std::vector<int64_t>{64, 64, 4, 2};
    plan.defaultConfig = llvm::is_contained(plan.configs, preferred)
                             ? preferred
                             : plan.configs.front();
    return plan;
  }

  // Chunk candidates: the option's list (or the defaults) plus the op's.
  std::vector<int64_t> chunks = options.chunks;
  if (chunks.empty())
    chunks = {16, 32, 64, 128};
  for (int64_t c : chunks)
    if (c < 1) {
      group.emitOpError() << "invalid chunk length " << c
                          << " in ida-plan 'chunks' (expected >= 1)";
      return failure();
    }
  if (role != "decode" && !llvm::is_contained(chunks, info.chunk))
    chunks.push_back(info.chunk);
  llvm::sort(chunks);
  chunks.erase(std::unique(chunks.begin(), chunks.end()), chunks.end());

  // Value tiles: powers of two up to the first one covering P.
  std::vector<int64_t> tiles;
  for (int64_t bv = 16; bv <= 128; bv *= 2) {
    tiles.push_back(bv);
    if (bv >= p.P)
      break;
  }

  int64_t smallest = -1;
  auto fits = [&](int64_t bytes) {
    if (smallest < 0 || bytes < smallest)
      smallest = bytes;
    return bytes <= budget;
  };

  if (role == "scan_bwd") {
    plan.strategy = "bwd";
    plan.keys = {"C", "BV", "NUM_WARPS", "STAGES"};
    for (int64_t c : chunks)
      for (int64_t bv : tiles) {
        if (!fits(scanBwdFootprint(p, c, bv)))
          continue;
        for (int64_t w : warps)
          for (int64_t s : stages)
            plan.configs.push_back({c, bv, w, s});
      }
  } else if (role == "decode") {
    plan.strategy = "decode";
    plan.keys = {"BV", "NUM_WARPS", "STAGES"};
    for (int64_t bv : tiles) {
      if (!fits(scanFwdFootprint(p, 1, bv)))
        continue;
      for (int64_t w : warps)
        for (int64_t s : stages)
          plan.configs.push_back({bv, w, s});
    }
  } else {
    StringRef strategy = options.strategy;
    if (strategy == "auto")
      strategy = p.N * p.F * p.P >= 65536 ? "twopass" : "onepass";
    if (strategy != "onepass" && strategy != "twopass") {
      group.emitOpError() << "unknown scan strategy '" << strategy
                          << "' (expected auto, onepass or twopass)";
      return failure();
    }
    plan.strategy = strategy.str();
    int64_t code = strategy == "onepass" ? 0 : 1;
    plan.keys = {"STRATEGY", "C", "BV", "NUM_WARPS", "STAGES"};
    for (int64_t c : chunks)
      for (int64_t bv : tiles) {
        if (!fits(scanFwdFootprint(p, c, bv)))
          continue;
        for (int64_t w : warps)
          for (int64_t s : stages)
            plan.configs.push_back({code, c, bv, w, s});
      }
  }
  if (plan.configs.empty()) {
    group.emitOpError() << "tuning space cannot fit any tile: the smallest "
                           "tile needs "
                        << smallest << " bytes on chip, more than the budget "
                        << budget << " (ida-plan "
                        << (role == "scan_bwd" ? "bwd-budget" : "smem-budget")
                        << ")";
    return failure();
  }

  // Default: for the backward, a configuration that fits smem-budget when
  // one does; then the op's chunk (else the largest fitting chunk below it,
  // else the smallest fitting one), the largest value tile <= 64 that fits,
  // 4 warps, 2 stages.
  auto keyIndex = [&](StringRef key) -> int {
    for (auto [i, k] : llvm::enumerate(plan.keys))
      if (k == key)
        return i;
    return -1;
  };
  int ci = keyIndex("C"), bi = keyIndex("BV"), wi = keyIndex("NUM_WARPS"),
      si = keyIndex("STAGES");
  auto score = [&](const std::vector<int64_t> &cfg) {
    int64_t s = 0;
    // The backward's space is bounded by bwd-budget (the CPU has room);
    // its default must also fit a GPU block (smem-budget) when any does.
    if (role == "scan_bwd" &&
        scanBwdFootprint(p, cfg[ci], cfg[bi]) <= options.smemBudget)
      s += 10000000;
    if (ci >= 0) {
      int64_t c = cfg[ci];
      s += c == info.chunk ? 1000000
           : c < info.chunk ? 500000 + c * 100
                            : 100000 - c * 100;
    }
    if (bi >= 0) {
      int64_t bv = cfg[bi];
      s += bv <= 64 ? bv : 64 - bv;
    }
    s += cfg[wi] == 4 ? 10 : 0;
    s += cfg[si] == 2 ? 5 : 0;
    return s;
  };
  plan.defaultConfig = *llvm::max_element(
      plan.configs, [&](const auto &a, const auto &b) {
        return score(a) < score(b);
      });
  return plan;
}

FailureOr<Plan> catalog::planGroup(FusedOp group, const GroupInfo &info,
                                   const SpaceOptions &options) {
  FailureOr<Plan> plan = planGroupWithoutMma(group, info, options);
  if (succeeded(plan) && usesMma(info))
    addMmaKey(*plan);
  return plan;
}

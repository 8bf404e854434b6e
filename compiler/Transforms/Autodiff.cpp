//===- Autodiff.cpp - ida-autodiff ----------------------------------------===//
//
// Reverse-mode differentiation of whole functions through the VJP rules of
// IdaGradientOpInterface (docs/compiler.md).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialect/IdaOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

namespace mlir::ida {
#define GEN_PASS_DEF_IDAAUTODIFF
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::ida

using namespace mlir;
using namespace mlir::ida;

namespace {

/// Ops whose VJP the pass knows without the interface: sums, constants.
bool isStructural(Operation *op) {
  return isa<arith::AddFOp, arith::ConstantOp, func::ReturnOp>(op);
}

/// The first op of `func` that has no VJP rule, or null.
Operation *findNonDifferentiable(func::FuncOp func) {
  Operation *bad = nullptr;
  func.walk([&](Operation *op) {
    if (op == func || bad || isStructural(op) ||
        isa<IdaGradientOpInterface>(op))
      return;
    bad = op;
  });
  return bad;
}

class Differentiator {
public:
  explicit Differentiator(func::FuncOp func) : func(func) {}

  /// Builds `<name>_vjp` right after `func`, or returns null after a
  /// located error.
  func::FuncOp run() {
    Block &body = func.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    FunctionType type = func.getFunctionType();
    SmallVector<Type> inputs(type.getInputs());
    inputs.append(type.getResults().begin(), type.getResults().end());
    OpBuilder builder(func);
    builder.setInsertionPointAfter(func);
    auto vjp = builder.create<func::FuncOp>(
        func.getLoc(), (func.getName() + "_vjp").str(),
        builder.getFunctionType(inputs, type.getInputs()));
    vjp.setVisibility(func.getVisibility());
    // Buffer names (ida.name): inputs keep theirs, cotangents are "d<name>".
    auto named = [&](DictionaryAttr attrs, StringRef prefix) -> Attribute {
      auto name = attrs ? dyn_cast_or_null<StringAttr>(attrs.get("ida.name"))
                        : StringAttr();
      if (!name)
        return {};
      return builder.getStringAttr(prefix + name.getValue());
    };
    for (unsigned i = 0; i < type.getNumInputs(); ++i) {
      if (Attribute name = named(func.getArgAttrDict(i), "")) {
        vjp.setArgAttr(i, "ida.name", name);
        vjp.setResultAttr(i, "ida.name", named(func.getArgAttrDict(i), "d"));
      }
    }
    for (unsigned i = 0; i < type.getNumResults(); ++i)
      if (Attribute name = named(func.getResultAttrDict(i), "d"))
        vjp.setArgAttr(type.getNumInputs() + i, "ida.name", name);
    Block *entry = vjp.addEntryBlock();
    builder.setInsertionPointToStart(entry);

    // Recompute the forward.
    IRMapping mapping;
    for (auto [from, to] : llvm::zip(body.getArguments(),
                                     entry->getArguments().take_front(
                                         type.getNumInputs())))
      mapping.map(from, to);
    SmallVector<Operation *> forward;
    for (Operation &op : body.without_terminator())
      forward.push_back(builder.clone(op, mapping));

    // Seed the output cotangents.
    for (auto [index, result] : llvm::enumerate(ret.getOperands()))
      accumulate(builder, mapping.lookupOrDefault(result),
                 entry->getArgument(type.getNumInputs() + index));

    // Walk the forward in reverse.
    for (Operation *op : llvm::reverse(forward)) {
      SmallVector<Value> cotangents;
      bool any = false;
      for (Value result : op->getResults()) {
        cotangents.push_back(cotangentOf(result));
        any |= static_cast<bool>(cotangents.back());
      }
      if (!any)
        continue;
      if (auto add = dyn_cast<arith::AddFOp>(op)) {
        accumulate(builder, add.getLhs(), cotangents[0]);
        accumulate(builder, add.getRhs(), cotangents[0]);
        continue;
      }
      if (isa<arith::ConstantOp>(op))
        continue;
      auto rule = dyn_cast<IdaGradientOpInterface>(op);
      SmallVector<Value> gradients;
      if (!rule || failed(rule.buildVjp(builder, cotangents, gradients))) {
        if (!rule)
          op->emitOpError() << "has no VJP rule (ida-autodiff)";
        vjp.erase();
        return nullptr;
      }
      for (auto [operand, gradient] : llvm::zip(op->getOperands(), gradients))
        if (gradient)
          accumulate(builder, operand, gradient);
    }

    // Return the input cotangents.
    SmallVector<Value> results;
    for (auto [index, arg] : llvm::enumerate(
             entry->getArguments().take_front(type.getNumInputs()))) {
      Value gradient = cotangentOf(arg);
      if (!gradient) {
        auto tensor = dyn_cast<RankedTensorType>(arg.getType());
        if (!tensor || !tensor.hasStaticShape() ||
            !isa<FloatType>(tensor.getElementType())) {
          func.emitError() << "argument #" << index
                           << " receives no gradient and has no static "
                              "shape to build a zero cotangent (ida-autodiff)";
          vjp.erase();
          return nullptr;
        }
        gradient = builder.create<arith::ConstantOp>(
            func.getLoc(), tensor,
            DenseElementsAttr::get(tensor, builder.getZeroAttr(
                                               tensor.getElementType())));
      }
      results.push_back(gradient);
    }
    builder.create<func::ReturnOp>(func.getLoc(), results);
    return vjp;
  }

private:
  Value cotangentOf(Value value) { return cotangents.lookup(value); }

  void accumulate(OpBuilder &builder, Value value, Value cotangent) {
    Value &slot = cotangents[value];
    if (!slot) {
      slot = cotangent;
      return;
    }
    slot = builder.create<arith::AddFOp>(cotangent.getLoc(), slot, cotangent);
  }

  func::FuncOp func;
  llvm::DenseMap<Value, Value> cotangents;
};

struct AutodiffPass : public ida::impl::IdaAutodiffBase<AutodiffPass> {
  using IdaAutodiffBase::IdaAutodiffBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> selected;
    bool explicitList = !funcs.empty();
    if (explicitList) {
      for (const std::string &name : funcs) {
        auto func = symbols.lookup<func::FuncOp>(name);
        if (!func) {
          module.emitError() << "ida-autodiff: no function named '" << name
                             << "'";
          return signalPassFailure();
        }
        selected.push_back(func);
      }
    } else {
      for (auto func : module.getOps<func::FuncOp>()) {
        if (func.isExternal() || func.getNumResults() == 0 ||
            func.getName().ends_with("_vjp") ||
            symbols.lookup((func.getName() + "_vjp").str()))
          continue;
        if (Operation *bad = findNonDifferentiable(func)) {
          func.emitRemark() << "not differentiated: '"
                            << bad->getName().getStringRef()
                            << "' has no VJP rule";
          continue;
        }
        selected.push_back(func);
      }
    }
    for (func::FuncOp func : selected) {
      if (func.isExternal()) {
        func.emitError() << "cannot differentiate a function without a body";
        return signalPassFailure();
      }
      if (symbols.lookup((func.getName() + "_vjp").str())) {
        func.emitError() << "cannot generate '" << func.getName()
                         << "_vjp': the symbol exists";
        return signalPassFailure();
      }
      func::FuncOp vjp = Differentiator(func).run();
      if (!vjp)
        return signalPassFailure();
      symbols.insert(vjp);
    }
  }
};

} // namespace

//===- Fuse.cpp - ida-fuse ------------------------------------------------===//
//
// Wraps each kernel-sized piece of a tensor-level graph in an ida.fused op
// (docs/compiler.md): scans with their prologue, scan gradients with their
// recomputed prologue and the prologue gradients, decode steps and softmax
// attention.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialect/IdaOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::ida {
#define GEN_PASS_DEF_IDAFUSE
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::ida

using namespace mlir;
using namespace mlir::ida;

namespace {

bool isPrologue(Operation *op) {
  return isa_and_nonnull<FeatureMapOp, DiscretizeOp, BasisWeightsOp,
                         arith::ConstantOp>(op);
}

bool isPrologueGrad(Operation *op) {
  return isa<FeatureMapGradOp, DiscretizeGradOp, BasisWeightsGradOp>(op);
}

StringRef roleOf(Operation *op) {
  if (isa<ScanOp>(op))
    return "scan_fwd";
  if (isa<ScanGradOp>(op))
    return "scan_bwd";
  if (isa<DecodeStepOp>(op))
    return "decode";
  if (isa<SoftmaxAttentionOp>(op))
    return "softmax_attn_fwd";
  if (isa<SoftmaxAttentionGradOp>(op))
    return "softmax_attn_bwd";
  return "";
}

/// Builds the group of `anchor` and replaces it by an ida.fused op.
LogicalResult fuse(Operation *anchor) {
  StringRef role = roleOf(anchor);
  if (anchor->use_empty() && isPure(anchor)) {
    anchor->erase(); // nothing to compute
    return success();
  }
  Block *block = anchor->getBlock();
  llvm::SetVector<Operation *> cloned; // prologue, recomputed in the group
  llvm::SetVector<Operation *> moved;  // anchor and epilogue, moved in

  if (isa<ScanOp, ScanGradOp>(anchor))
    for (Value operand : anchor->getOperands())
      if (Operation *def = operand.getDefiningOp(); isPrologue(def)) {
        // A feature map's weights or a constant's are leaves; take the
        // prologue op itself.
        cloned.insert(def);
      }
  moved.insert(anchor);
  if (isa<ScanGradOp>(anchor)) {
    for (Operation *user : anchor->getUsers())
      if (isPrologueGrad(user) && user->getBlock() == block)
        moved.insert(user);
    // Sums of two gradients computed in the group (dW of both maps).
    bool changed = true;
    while (changed) {
      changed = false;
      for (Operation *op : llvm::make_early_inc_range(moved)) {
        for (Operation *user : op->getUsers()) {
          auto add = dyn_cast<arith::AddFOp>(user);
          if (!add || moved.contains(add))
            continue;
          Operation *lhs = add.getLhs().getDefiningOp();
          Operation *rhs = add.getRhs().getDefiningOp();
          if (lhs && rhs && moved.contains(lhs) && moved.contains(rhs)) {
            moved.insert(add);
            changed = true;
          }
        }
      }
    }
  }

  // Order all group ops by their position in the block.
  SmallVector<Operation *> ops(cloned.begin(), cloned.end());
  ops.append(moved.begin(), moved.end());
  llvm::sort(ops, [](Operation *a, Operation *b) {
    return a->isBeforeInBlock(b);
  });
  llvm::SmallPtrSet<Operation *, 16> inGroup(ops.begin(), ops.end());

  // Inputs: values used by group ops and defined outside the group.
  llvm::SetVector<Value> inputs;
  for (Operation *op : ops)
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (!def || !inGroup.contains(def))
        inputs.insert(operand);
    }
  // Outputs: results of moved ops used outside the group.
  SmallVector<Value> outputs;
  for (Operation *op : moved)
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            return !inGroup.contains(user);
          }))
        outputs.push_back(result);

  Operation *last = ops.back();
  for (Value output : outputs)
    for (Operation *user : output.getUsers())
      if (!inGroup.contains(user) && user->isBeforeInBlock(last))
        return user->emitOpError()
               << "uses a result of the '" << role
               << "' group before the group's last op; ida-fuse cannot "
                  "order the group";

  OpBuilder builder(last->getContext());
  builder.setInsertionPointAfter(last);
  SmallVector<Type> resultTypes;
  for (Value output : outputs)
    resultTypes.push_back(output.getType());
  auto group = builder.create<FusedOp>(anchor->getLoc(), resultTypes,
                                       inputs.getArrayRef(),
                                       builder.getStringAttr(role),
                                       DictionaryAttr());
  Block *body = builder.createBlock(&group.getBody());
  IRMapping mapping;
  for (Value input : inputs)
    mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
  for (Operation *op : ops)
    builder.clone(*op, mapping);
  SmallVector<Value> yielded;
  for (Value output : outputs)
    yielded.push_back(mapping.lookup(output));
  builder.create<YieldOp>(anchor->getLoc(), yielded);

  for (auto [output, result] : llvm::zip(outputs, group.getResults()))
    output.replaceUsesWithIf(result, [&](OpOperand &use) {
      return !inGroup.contains(use.getOwner());
    });
  SmallVector<Operation *> erase(moved.begin(), moved.end());
  llvm::sort(erase, [](Operation *a, Operation *b) {
    return b->isBeforeInBlock(a);
  });
  for (Operation *op : erase)
    op->erase();
  return success();
}

struct FusePass : public ida::impl::IdaFuseBase<FusePass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      SmallVector<Operation *> anchors;
      func.walk([&](Operation *op) {
        if (!roleOf(op).empty() && !op->getParentOfType<FusedOp>())
          anchors.push_back(op);
      });
      for (Operation *anchor : anchors)
        if (failed(fuse(anchor)))
          return signalPassFailure();
      // Prologue ops left outside groups are dead unless used elsewhere.
      bool changed = true;
      while (changed) {
        changed = false;
        func.walk([&](Operation *op) {
          if (isPrologue(op) && op->use_empty() &&
              !op->getParentOfType<FusedOp>()) {
            op->erase();
            changed = true;
          }
        });
      }
    }
  }
};

} // namespace

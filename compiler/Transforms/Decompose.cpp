//===- Decompose.cpp - ida-decompose --------------------------------------===//
//
// Rewrites ida.attention into feature_map x2, discretize, basis_weights and
// scan (docs/compiler.md).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialect/IdaOps.h"

namespace mlir::ida {
#define GEN_PASS_DEF_IDADECOMPOSE
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::ida

using namespace mlir;
using namespace mlir::ida;

namespace {

struct DecomposePass : public ida::impl::IdaDecomposeBase<DecomposePass> {
  void runOnOperation() override {
    SmallVector<AttentionOp> ops;
    getOperation().walk([&](AttentionOp op) { ops.push_back(op); });
    for (AttentionOp op : ops) {
      OpBuilder builder(op);
      AttentionDecomposition d = decomposeAttention(builder, op);
      op->replaceAllUsesWith(d.scan->getResults());
      op->erase();
    }
  }
};

} // namespace

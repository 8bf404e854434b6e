//===- TestVjp.cpp - Test pass for IdaGradientOpInterface -----------------===//
//
// `--ida-test-vjp` exercises the VJP rules of IdaGradientOpInterface without
// the autodiff pass: for every ida op implementing it, it calls buildVjp
// right after the op, feeding the op's own results as cotangents (their types
// match), and emits a remark when the op has no rule yet. Test-only.
//
//===----------------------------------------------------------------------===//

#include "dialect/IdaDialect.h"
#include "dialect/IdaOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

namespace {

struct TestVjpPass
    : public mlir::PassWrapper<TestVjpPass,
                               mlir::OperationPass<mlir::func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestVjpPass)

  llvm::StringRef getArgument() const final { return "ida-test-vjp"; }
  llvm::StringRef getDescription() const final {
    return "Test pass: build the VJP of every ida op that has a rule";
  }

  void runOnOperation() override {
    llvm::SmallVector<mlir::ida::IdaGradientOpInterface> ops;
    getOperation().walk(
        [&](mlir::ida::IdaGradientOpInterface op) { ops.push_back(op); });
    for (mlir::ida::IdaGradientOpInterface op : ops) {
      mlir::OpBuilder builder(op->getContext());
      builder.setInsertionPointAfter(op);
      llvm::SmallVector<mlir::Value> gradients;
      if (mlir::failed(op.buildVjp(builder, op->getResults(), gradients))) {
        op->emitRemark() << "no VJP rule";
        continue;
      }
      op->emitRemark() << "VJP built with " << gradients.size()
                       << " gradient(s)";
    }
  }
};

} // namespace

namespace mlir::ida {
/// Registers --ida-test-vjp (declared in ida-opt.cpp).
void registerTestVjpPass() { PassRegistration<TestVjpPass>(); }
} // namespace mlir::ida

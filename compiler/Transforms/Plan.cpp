//===- Plan.cpp - ida-plan ------------------------------------------------===//
//
// Attaches a strategy and a statically pruned tuning space to every fused
// group (docs/compiler.md, "Tuning space").
//
//===----------------------------------------------------------------------===//

#include "compiler/TemplateCatalog.h"
#include "compiler/Transforms/Passes.h"
#include "dialect/IdaOps.h"

namespace mlir::ida {
#define GEN_PASS_DEF_IDAPLAN
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::ida

using namespace mlir;
using namespace mlir::ida;

namespace {

struct PlanPass : public ida::impl::IdaPlanBase<PlanPass> {
  using IdaPlanBase::IdaPlanBase;

  void runOnOperation() override {
    catalog::SpaceOptions options;
    options.strategy = strategy;
    options.chunks.assign(chunks.begin(), chunks.end());
    options.smemBudget = smemBudget;
    options.bwdBudget = bwdBudget;
    bool failedAny = false;
    getOperation().walk([&](FusedOp group) {
      FailureOr<catalog::GroupInfo> info = catalog::analyzeGroup(group);
      if (failed(info)) {
        failedAny = true;
        return;
      }
      FailureOr<catalog::Plan> plan = catalog::planGroup(group, *info, options);
      if (failed(plan)) {
        failedAny = true;
        return;
      }
      Builder b(group.getContext());
      SmallVector<Attribute> keys, configs;
      for (const std::string &key : plan->keys)
        keys.push_back(b.getStringAttr(key));
      for (const auto &config : plan->configs)
        configs.push_back(b.getI64ArrayAttr(config));
      SmallVector<NamedAttribute> defaults;
      for (auto [key, value] : llvm::zip(plan->keys, plan->defaultConfig))
        defaults.push_back(b.getNamedAttr(key, b.getI64IntegerAttr(value)));
      group.setPlanAttr(b.getDictionaryAttr({
          b.getNamedAttr("strategy", b.getStringAttr(plan->strategy)),
          b.getNamedAttr("space",
                         b.getDictionaryAttr(
                             {b.getNamedAttr("keys", b.getArrayAttr(keys)),
                              b.getNamedAttr("configs",
                                             b.getArrayAttr(configs))})),
          b.getNamedAttr("default", b.getDictionaryAttr(defaults)),
      }));
    });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace

//===- Pipeline.cpp - --ida-pipeline --------------------------------------===//
//
// The named pipeline that runs every pass of docs/compiler.md in order.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::ida;

void mlir::ida::buildIdaPipeline(OpPassManager &pm,
                                 const PipelineOptions &options) {
  pm.addPass(createIdaDecompose());
  if (options.vjp)
    pm.addPass(createIdaAutodiff());
  // Folds identity feature maps and uniform basis weights, drops unused
  // final states and the dead parts of recomputed forwards.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createIdaFuse());
  IdaPlanOptions plan;
  plan.strategy = options.strategy;
  pm.addPass(createIdaPlan(plan));
  pm.addPass(createIdaLowerToKernels());
}

void mlir::ida::registerIdaPassesAndPipeline() {
  registerIDAPasses();
  PassPipelineRegistration<PipelineOptions>(
      "ida-pipeline",
      "Compiles ida graphs (and their VJPs) to kernel-level IR: decompose, "
      "autodiff, fuse, plan, lower-to-kernels",
      buildIdaPipeline);
}

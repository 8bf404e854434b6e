//===- Passes.h - Passes of the IDA compiler --------------------*- C++ -*-===//
//
// Declares the ida-* passes (Passes.td) and the --ida-pipeline registration.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_COMPILER_TRANSFORMS_PASSES_H
#define IDA_COMPILER_TRANSFORMS_PASSES_H

#include "dialect/IdaDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace mlir::ida {

#define GEN_PASS_DECL
#include "compiler/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Transforms/Passes.h.inc"

/// Options of --ida-pipeline.
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  Option<bool> vjp{*this, "vjp",
                   llvm::cl::desc("Also generate and lower <f>_vjp"),
                   llvm::cl::init(true)};
  Option<std::string> strategy{
      *this, "strategy",
      llvm::cl::desc("Scan forward strategy: auto, onepass or twopass"),
      llvm::cl::init("auto")};
};

/// decompose -> [autodiff] -> canonicalize -> cse -> fuse -> plan -> lower.
void buildIdaPipeline(OpPassManager &pm, const PipelineOptions &options);

/// Registers every ida-* pass and --ida-pipeline.
void registerIdaPassesAndPipeline();

} // namespace mlir::ida

#endif // IDA_COMPILER_TRANSFORMS_PASSES_H

//===- ida-opt.cpp - The ida pass driver ----------------------------------===//
//
// Parses, verifies and transforms .mlir files that use the ida dialect,
// together with func, arith, tensor and memref. Registers the core
// transformation passes (canonicalize, cse, ...), the ida-* passes and
// --ida-pipeline (compiler/Transforms/Passes.td).
//
//===----------------------------------------------------------------------===//

#include "dialect/IdaDialect.h"
#include "dialect/IdaOps.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::ida {
void registerTestVjpPass();
} // namespace mlir::ida

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::ida::registerTestVjpPass();
  mlir::ida::registerIdaPassesAndPipeline();

  mlir::DialectRegistry registry;
  registry.insert<mlir::ida::IdaDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::tensor::TensorDialect,
                  mlir::memref::MemRefDialect>();

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "IDA optimizer driver\n", registry));
}

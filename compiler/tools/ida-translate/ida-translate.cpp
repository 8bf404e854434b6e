//===- ida-translate.cpp - ida.kernel -> C++ / CUDA sources ---------------===//
//
//   ida-translate --ida-to-cpp  FILE.mlir [--ida-kernel NAME] [-o OUT]
//   ida-translate --ida-to-cuda FILE.mlir [--ida-kernel NAME] [-o OUT]
//
// Instantiates the kernel templates for each ida.kernel of FILE.mlir (the
// output of `ida-opt --ida-pipeline`; a tensor-level graph is run through
// the pipeline first) and prints the sources, one after the other in symbol
// order, or only the kernel named by --ida-kernel (then the output is one
// compilable file). idac writes the same sources into bundles.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/codegen/Codegen.h"
#include "dialect/IdaDialect.h"
#include "dialect/IdaOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::ida;

namespace {

llvm::cl::opt<std::string> kernelName(
    "ida-kernel",
    llvm::cl::desc("Translate only the ida.kernel with this symbol name"),
    llvm::cl::value_desc("NAME"), llvm::cl::init(""));
llvm::cl::opt<int64_t> cudaSmem(
    "ida-cuda-smem",
    llvm::cl::desc("Dynamic shared memory (bytes) CUDA programs are "
                   "launched with, when the kernel does not size it"),
    llvm::cl::init(codegen::kDefaultCudaSmem));

void registerDialects(DialectRegistry &registry) {
  registry.insert<IdaDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect, memref::MemRefDialect>();
}

LogicalResult translate(Operation *op, llvm::raw_ostream &os,
                        codegen::Target target) {
  op->getContext()->printOpOnDiagnostic(false);
  auto module = dyn_cast<ModuleOp>(op);
  if (!module)
    return op->emitError("expected a builtin.module");
  if (module.getOps<KernelOp>().empty()) {
    // A tensor-level graph: lower it with the default pipeline first.
    PassManager pm(module.getContext());
    buildIdaPipeline(pm, PipelineOptions());
    if (failed(pm.run(module)))
      return failure();
  }
  SmallVector<KernelOp> kernels;
  std::string names;
  for (KernelOp kernel : module.getOps<KernelOp>()) {
    names += (names.empty() ? "@" : ", @") + kernel.getSymName().str();
    if (kernelName.empty() || kernel.getSymName() == kernelName)
      kernels.push_back(kernel);
  }
  if (kernels.empty())
    return module.emitError()
           << (kernelName.empty()
                   ? std::string("no ida.kernel to translate")
                   : "no ida.kernel named '" + kernelName + "' (kernels: " +
                         (names.empty() ? "none" : names) + ")");

  // Quote the origin lines when the graph file can be read.
  std::unique_ptr<llvm::MemoryBuffer> graph;
  codegen::SourceOptions options;
  options.cudaSmem = cudaSmem;
  StringRef origin = kernels.front().getOrigin();
  StringRef file = origin.rsplit(':').first.rsplit(':').first;
  if (!file.empty()) {
    if (auto buffer = llvm::MemoryBuffer::getFile(file)) {
      graph = std::move(*buffer);
      options.graphText = graph->getBuffer();
      options.graphName = file;
    }
  }
  for (auto [i, kernel] : llvm::enumerate(kernels)) {
    if (i)
      os << "\n";
    if (failed(codegen::generateKernelSource(kernel, target, options, os)))
      return failure();
  }
  return success();
}

} // namespace

int main(int argc, char **argv) {
  TranslateFromMLIRRegistration toCpp(
      "ida-to-cpp", "ida.kernel -> C++ for the host compiler (CPU target)",
      [](Operation *op, llvm::raw_ostream &os) {
        return translate(op, os, codegen::Target::CPU);
      },
      registerDialects);
  TranslateFromMLIRRegistration toCuda(
      "ida-to-cuda", "ida.kernel -> CUDA C++ for NVRTC",
      [](Operation *op, llvm::raw_ostream &os) {
        return translate(op, os, codegen::Target::CUDA);
      },
      registerDialects);
  return failed(mlirTranslateMain(argc, argv, "IDA kernel translator"));
}

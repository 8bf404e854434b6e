//===- idac.cpp - The IDA compiler: graph -> bundle -----------------------===//
//
//   idac GRAPH.mlir [--target cpu|cuda|all] -o BUNDLE/
//   idac --preset [MIXER] [--mixer ida|ssm|mamba2|linear|retnet|softmax]
//        [--feature KIND] [--feature-dim F'] [--basis N]
//        [--basis-weights softmax|sigmoid|uniform] [--chunk C] [--heads H]
//        [--head-dim D] [--value-dim P] [--normalize] [--window W]
//        [--dtype f32|bf16|f16] [--no-decode] -o BUNDLE/
//
// Runs --ida-pipeline (decompose, autodiff, fuse, plan, lower-to-kernels)
// on the graph and writes the bundle of docs/bundle-format.md: the kernel
// sources for each target (templates instantiated by compiler/codegen), the
// manifest, the graph it compiled and the kernel-level IR. See
// docs/compiler.md, "Codegen and bundles".
//
// Exit status: 0 success, 1 a compile error (diagnostics on stderr),
// 2 bad usage.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/codegen/Bundle.h"
#include "compiler/codegen/Codegen.h"
#include "compiler/codegen/Presets.h"
#include "dialect/IdaDialect.h"
#include "dialect/IdaOps.h"
#ifdef IDA_WITH_CUDA
#include "runtime/backend/cuda/CompileCheck.h"
#endif

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <sstream>

using namespace mlir;
using namespace mlir::ida;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory idacCategory("idac options");
cl::OptionCategory presetCategory(
    "preset options (idac --preset [MIXER] ...: the graph is written from "
    "these flags)");

cl::list<std::string> positional(cl::Positional, cl::desc("GRAPH.mlir"),
                                 cl::cat(idacCategory));
cl::opt<std::string> outputDir("o", cl::desc("Bundle directory to write"),
                               cl::value_desc("BUNDLE"),
                               cl::cat(idacCategory));
cl::opt<std::string> targetOpt(
    "target", cl::desc("Kernel sources to write: cpu, cuda or all"),
    cl::init("all"), cl::cat(idacCategory));
cl::opt<std::string> strategyOpt(
    "strategy",
    cl::desc("Scan forward strategy: auto (by state size), onepass or "
             "twopass (ida-plan)"),
    cl::init("auto"), cl::cat(idacCategory));
cl::opt<bool> noVjp("no-vjp",
                    cl::desc("Do not generate <f>_vjp entries (ida-autodiff)"),
                    cl::cat(idacCategory));
cl::opt<int64_t> cudaSmem(
    "cuda-smem",
    cl::desc("Dynamic shared memory (bytes) of CUDA programs; default: the "
             "H100/H200 opt-in maximum"),
    cl::init(codegen::kDefaultCudaSmem), cl::cat(idacCategory));
cl::opt<bool> compileCheck(
    "compile-check",
    cl::desc("After writing the bundle, compile every CUDA kernel with NVRTC "
             "for --arch at its default config and print registers, spills "
             "and shared memory (no GPU needed); exit 1 on a failure, 3 on "
             "spills"),
    cl::cat(idacCategory));
cl::opt<std::string> archOpt(
    "arch", cl::desc("GPU architecture of --compile-check (default sm_90)"),
    cl::init("sm_90"), cl::cat(idacCategory));
cl::opt<bool> printGraph(
    "print-graph",
    cl::desc("Print the graph (e.g. a preset's) to stdout and stop"),
    cl::cat(idacCategory));
cl::opt<bool> printKernelIR(
    "print-kernel-ir",
    cl::desc("Print the kernel-level IR after the pipeline to stdout"),
    cl::cat(idacCategory));
cl::opt<bool> verbose("v", cl::desc("Also show the pipeline's remarks"),
                      cl::cat(idacCategory));
cl::opt<bool> quiet("q", cl::desc("Print nothing on success"),
                    cl::cat(idacCategory));

cl::opt<std::string> preset(
    "preset", cl::ValueOptional,
    cl::desc("Compile a standard graph written from the preset flags; "
             "'--preset MIXER' = '--preset --mixer MIXER'"),
    cl::value_desc("MIXER"), cl::cat(presetCategory));
cl::opt<std::string> mixer(
    "mixer", cl::desc("ida, ssm, mamba2, linear, retnet or softmax"),
    cl::cat(presetCategory));
cl::opt<std::string> feature(
    "feature",
    cl::desc("Feature map: identity, elu1, relu, taylor2, prf, hedgehog"),
    cl::cat(presetCategory));
cl::opt<int64_t> featureDim(
    "feature-dim",
    cl::desc("F' = rows of W for prf (F = F') and hedgehog (F = 2F'); "
             "default D"),
    cl::cat(presetCategory));
cl::opt<int64_t> basis("basis", cl::desc("Basis size N"),
                       cl::cat(presetCategory));
cl::opt<std::string> basisWeights(
    "basis-weights", cl::desc("softmax, sigmoid or uniform"),
    cl::cat(presetCategory));
cl::opt<int64_t> chunk("chunk", cl::desc("Chunk length C (default 64)"),
                       cl::cat(presetCategory));
cl::opt<int64_t> heads("heads", cl::desc("Heads H (default 8)"),
                       cl::cat(presetCategory));
cl::opt<int64_t> headDim("head-dim", cl::desc("q/k width D (default 64)"),
                         cl::cat(presetCategory));
cl::opt<int64_t> valueDim("value-dim", cl::desc("Value width P (default D)"),
                          cl::cat(presetCategory));
cl::opt<bool> normalize("normalize",
                        cl::desc("Normalized output (y / (gamma Z.phi(q) + "
                                 "eps)); --normalize=false turns it off"),
                        cl::cat(presetCategory));
cl::opt<int64_t> window("window",
                        cl::desc("Softmax attention window (0: full causal)"),
                        cl::cat(presetCategory));
cl::opt<std::string> dtype("dtype",
                           cl::desc("Activation dtype: f32, bf16 or f16"),
                           cl::init("f32"), cl::cat(presetCategory));
cl::opt<bool> noDecode("no-decode",
                       cl::desc("Leave out the decode entry"),
                       cl::cat(presetCategory));

int usage(const Twine &message) {
  llvm::errs() << "idac: " << message << "\n"
               << "usage: idac GRAPH.mlir -o BUNDLE [--target cpu|cuda|all]\n"
               << "       idac --preset [MIXER] [preset flags] -o BUNDLE\n"
               << "(idac --help lists every option)\n";
  return 2;
}

template <typename T>
std::optional<T> given(const cl::opt<T> &option) {
  if (option.getNumOccurrences())
    return option.getValue();
  return std::nullopt;
}

/// Name of the graph file inside the bundle: the input's file name, unless
/// it would clash with a file the bundle already has.
std::string graphFileName(StringRef inputPath) {
  StringRef name = llvm::sys::path::filename(inputPath);
  if (name.empty() || name == "-" || name == "manifest.json" ||
      name == "kernels.mlir" || name == "kernels")
    return "graph.mlir";
  return name.str();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerAsmPrinterCLOptions();
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "idac (IDA kernel compiler) " << codegen::compilerVersion() << "\n";
  });
  cl::HideUnrelatedOptions({&idacCategory, &presetCategory});
  cl::ParseCommandLineOptions(
      argc, argv,
      "idac: compiles an ida graph (or a preset layer) into a bundle of "
      "kernel sources and manifest.json for the IDA runtime\n");

  // Where the graph comes from.
  std::vector<std::string> inputs(positional.begin(), positional.end());
  bool fromPreset = preset.getNumOccurrences() > 0;
  std::string graphText, graphName;
  std::optional<codegen::Preset> resolved;
  if (fromPreset) {
    codegen::PresetFlags flags;
    std::string mixerName = preset;
    // "--preset ida": llvm::cl leaves the value as a positional argument.
    if (mixerName.empty() && inputs.size() == 1 &&
        !llvm::sys::fs::exists(inputs[0])) {
      mixerName = inputs[0];
      inputs.clear();
    }
    if (!inputs.empty())
      return usage("--preset writes its own graph; do not also give an "
                   "input file ('" + inputs[0] + "')");
    if (mixer.getNumOccurrences()) {
      if (!mixerName.empty() && mixerName != mixer)
        return usage("--preset " + mixerName + " and --mixer " + mixer +
                     " disagree");
      mixerName = mixer;
    }
    flags.mixer = mixerName.empty() ? "ida" : mixerName;
    flags.feature = given(feature);
    flags.featureDim = given(featureDim);
    flags.basis = given(basis);
    flags.basisWeights = given(basisWeights);
    flags.chunk = given(chunk);
    flags.heads = given(heads);
    flags.headDim = given(headDim);
    flags.valueDim = given(valueDim);
    flags.normalize = given(normalize);
    flags.window = given(window);
    flags.dtype = dtype;
    flags.decode = !noDecode;
    std::string error;
    resolved = codegen::resolvePreset(flags, error);
    if (!resolved)
      return usage(error);
    graphText = codegen::presetGraph(*resolved);
    graphName = "graph.mlir";
  } else {
    cl::Option *presetOptions[] = {&mixer,    &feature,  &featureDim, &basis,
                                   &basisWeights, &chunk, &heads, &headDim,
                                   &valueDim, &normalize, &window, &dtype,
                                   &noDecode};
    for (cl::Option *option : presetOptions)
      if (option->getNumOccurrences())
        return usage("--" + option->ArgStr + " is a preset flag; add --preset");
    if (inputs.size() != 1)
      return usage(inputs.empty() ? "no input graph (give GRAPH.mlir or "
                                    "--preset)"
                                  : "more than one input graph");
    std::string error;
    std::unique_ptr<llvm::MemoryBuffer> file =
        openInputFile(inputs[0], &error);
    if (!file) {
      llvm::errs() << "idac: " << error << "\n";
      return 1;
    }
    graphText = file->getBuffer().str();
    graphName = graphFileName(inputs[0]);
  }

  if (printGraph) {
    llvm::outs() << graphText;
    return 0;
  }
  std::vector<codegen::Target> targets;
  if (targetOpt == "cpu" || targetOpt == "all")
    targets.push_back(codegen::Target::CPU);
  if (targetOpt == "cuda" || targetOpt == "all")
    targets.push_back(codegen::Target::CUDA);
  if (targets.empty())
    return usage("unknown --target '" + targetOpt +
                 "' (expected cpu, cuda or all)");
  if (strategyOpt != "auto" && strategyOpt != "onepass" &&
      strategyOpt != "twopass")
    return usage("unknown --strategy '" + strategyOpt +
                 "' (expected auto, onepass or twopass)");
  if (cudaSmem < 0)
    return usage("--cuda-smem must be >= 0");
  if (outputDir.empty() && !printKernelIR)
    return usage("no output directory (-o BUNDLE)");
  if (compileCheck && targetOpt == "cpu")
    return usage("--compile-check checks CUDA kernels; use --target cuda or all");
  if (compileCheck && outputDir.empty())
    return usage("--compile-check needs the bundle written (-o BUNDLE)");
#ifndef IDA_WITH_CUDA
  if (compileCheck) {
    llvm::errs() << "idac: --compile-check needs the CUDA backend; this idac "
                    "was built without the CUDA toolkit (IDA_ENABLE_CUDA=OFF)\n";
    return 1;
  }
#endif

  DialectRegistry registry;
  registry.insert<IdaDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect, memref::MemRefDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  context.disableMultithreading();
  context.printOpOnDiagnostic(false);

  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(graphText, graphName),
      llvm::SMLoc());
  SourceMgrDiagnosticHandler printer(sourceMgr, &context);
  // The autodiff reports functions it skips (e.g. decode) as remarks.
  ScopedDiagnosticHandler filter(&context, [](Diagnostic &diag) {
    return success(diag.getSeverity() == DiagnosticSeverity::Remark &&
                   !verbose);
  });

  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  bool lowered = !module->getOps<KernelOp>().empty();
  if (!lowered) {
    PassManager pm(&context);
    if (failed(applyPassManagerCLOptions(pm)))
      return 1;
    PipelineOptions pipeline;
    pipeline.vjp = !noVjp;
    pipeline.strategy = strategyOpt.getValue();
    buildIdaPipeline(pm, pipeline);
    if (failed(pm.run(*module)))
      return 1;
  }
  if (printKernelIR) {
    module->print(llvm::outs());
    llvm::outs() << "\n";
    if (outputDir.empty())
      return 0;
  }

  codegen::BundleOptions options;
  options.targets = targets;
  options.cudaSmem = cudaSmem;
  options.graphName = graphName;
  if (resolved)
    options.extensions.emplace_back("x-preset", resolved->json());
  if (failed(codegen::writeBundle(*module, graphText, outputDir, options)))
    return 1;

  if (!quiet) {
    std::string entries;
    for (auto func : module->getOps<func::FuncOp>())
      if (func->hasAttr("ida.entry"))
        entries += (entries.empty() ? "" : ", ") + func.getSymName().str();
    auto kernels = llvm::range_size(module->getOps<KernelOp>());
    llvm::outs() << "idac: wrote " << outputDir << " (entries: " << entries
                 << "; " << kernels << " kernel" << (kernels == 1 ? "" : "s")
                 << "; targets: " << targetOpt << ")\n";
  }
#ifdef IDA_WITH_CUDA
  if (compileCheck) {
    std::ostringstream out, err;
    int status = ::ida::compileCheckBundle(outputDir, archOpt, out, err);
    llvm::outs() << out.str();
    llvm::errs() << err.str();
    return status;
  }
#endif
  return 0;
}

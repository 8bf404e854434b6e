//===- CudaSource.cpp - CUDA entry points of generated kernels ------------===//
//
// The CUDA wrapper of docs/templates.md and docs/bundle-format.md:
//
//   extern "C" __global__ void SYMBOL(IdaKernelArgs args);
//
// one thread block of 32 * IDA_CFG_NUM_WARPS threads per program instance,
// blockIdx = program id. The tiles live in the dynamic shared-memory arena
// of tile/cuda/tile_cuda.cuh; a launch that gives them too little memory
// makes every block record what it needed in the module's ida_arena_status
// and exit, which the runtime reports as an ArenaOverflowError (the context
// survives). After run() the wrapper records the block's arena peak there
// too (idat::ida_cuda_arena_record_peak), so the runtime knows what each
// configuration needs (CompiledKernel::arenaPeak).
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/SourceParts.h"

using namespace mlir;
using namespace mlir::ida;
using namespace mlir::ida::codegen;

namespace {

std::optional<std::string> cudaInType(StringRef dtype) {
  if (dtype == "f32")
    return std::string("float");
  if (dtype == "bf16")
    return std::string("__nv_bfloat16");
  if (dtype == "f16")
    return std::string("__half");
  return std::nullopt;
}

void emitCudaWrapper(const KernelInfo &kernel, const ProgramInfo &program,
                     const SourceOptions &options, llvm::raw_ostream &os) {
  StringRef helper = remapHelperName(kernel);
  std::string smem = program.smem == "0" ? std::to_string(options.cudaSmem)
                                         : program.smem;
  os << "// grid (" << program.grid[0] << ", " << program.grid[1] << ", "
     << program.grid[2] << "), block " << program.threads
     << " threads, dynamic smem " << smem << " bytes\n";
  // Minimum one block per SM: the tile arena rarely leaves room for more,
  // and without it ptxas caps registers for occupancy it cannot have
  // (the backward spilled at 168 registers).
  os << "extern \"C\" __global__ void __launch_bounds__(32 * "
        "IDA_CFG_NUM_WARPS, 1)\n"
     << program.symbol << "(IdaKernelArgs args) {\n"
     << "  using Prog = " << programType(program) << ";\n";
  if (helper.empty())
    os << "  Prog::run(args, blockIdx.x, blockIdx.y, blockIdx.z);\n";
  else
    os << "  Prog::run(" << helper
       << "(args), blockIdx.x, blockIdx.y, blockIdx.z);\n";
  os << "  idat::ida_cuda_arena_record_peak();\n"
        "}\n\n";
}

} // namespace

const TargetParts &codegen::cudaParts() {
  static const TargetParts parts = {
      "tile/cuda/tile_cuda.cuh",
      "NVRTC, C++17",
      "IDA_DEVICE",
      cudaInType,
      emitCudaWrapper,
  };
  return parts;
}

//===- CpuSource.cpp - CPU entry points of generated kernels --------------===//
//
// The CPU wrapper of docs/templates.md and docs/bundle-format.md:
//
//   extern "C" void SYMBOL(const IdaKernelArgs *args, int num_threads);
//
// runs every program instance of args->grid, one instance per OpenMP
// iteration (tile ops are sequential loops on this target).
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/SourceParts.h"

using namespace mlir;
using namespace mlir::ida;
using namespace mlir::ida::codegen;

namespace {

std::optional<std::string> cpuInType(StringRef dtype) {
  // tile/cpu/tile_cpu.h converts fp32 and fp64 only.
  if (dtype == "f32")
    return std::string("float");
  return std::nullopt;
}

void emitCpuWrapper(const KernelInfo &kernel, const ProgramInfo &program,
                    const SourceOptions &, llvm::raw_ostream &os) {
  StringRef helper = remapHelperName(kernel);
  os << "// grid (" << program.grid[0] << ", " << program.grid[1] << ", "
     << program.grid[2] << "), evaluated by the runtime into args->grid\n";
  os << "extern \"C\" void " << program.symbol
     << "(const IdaKernelArgs *args, int num_threads) {\n"
     << "  using Prog = " << programType(program) << ";\n";
  if (helper.empty())
    os << "  const IdaKernelArgs &a = *args;\n";
  else
    os << "  const IdaKernelArgs a = " << helper << "(*args);\n";
  os << "#pragma omp parallel for collapse(3) schedule(dynamic, 1) "
        "num_threads(num_threads)\n"
        "  for (int64_t z = 0; z < a.grid[2]; ++z)\n"
        "    for (int64_t y = 0; y < a.grid[1]; ++y)\n"
        "      for (int64_t x = 0; x < a.grid[0]; ++x)\n"
        "        Prog::run(a, x, y, z);\n"
        "}\n\n";
}

} // namespace

const TargetParts &codegen::cpuParts() {
  static const TargetParts parts = {
      "tile/cpu/tile_cpu.h",
      "host C++17 + OpenMP",
      "IDA_DEVICE",
      cpuInType,
      emitCpuWrapper,
  };
  return parts;
}

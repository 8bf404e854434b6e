//===- tests/gpu/GpuCheckSource.h - CUDA kernel sources, codegen-shaped ---===//
//
// Builds one CUDA source the way codegen will (docs/templates.md,
// "Concatenation order"): the embedded template texts with the CUDA tile
// API, a generated static-parameter struct, and one
// `extern "C" __global__ void SYM(IdaKernelArgs a)` wrapper per program.
// Shared by the GPU self-check (tests/gpu/gpu_check.cpp) and the compile
// test (tests/unit/cuda_templates), so both build exactly the same text.
//
// The wrappers have codegen's shape (compiler/codegen/CudaSource.cpp):
// __launch_bounds__(threads, 1) (one block per SM is what the tile arena
// allows anyway; it lets ptxas use up to 255 registers instead of spilling at
// 128), and after run() the epilogue idat::ida_cuda_arena_record_peak(),
// which records the block's tile-arena peak in the module's
// ida_arena_status (CudaCompiledKernel::readArenaStatus reads it).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TESTS_GPU_GPUCHECKSOURCE_H
#define IDA_TESTS_GPU_GPUCHECKSOURCE_H

#include "templates/Embedded.h"
#include "templates/common/ida_abi.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ida::gpucheck {

/// Static parameters of one scan kernel family (scan_params.h) plus the
/// configuration it is built with.
struct ScanPreset {
  std::string name;
  int D = 64, F = 64, Fp = 0, N = 4, P = 64;
  int feature = 1; // IDA_FEATURE_*: 0 identity 1 elu1 2 relu 3 taylor2 4 prf 5 hedgehog
  int basis = 0;   // IDA_BASIS_*: 0 softmax 1 sigmoid 2 uniform
  bool normalize = false;
  bool hasS0 = true;
  int C = 32, BV = 64;     // IDA_CFG_C, IDA_CFG_BV
  bool backward = true;    // include (and check) the backward programs
  bool attention = false;  // include softmax attention (D = P = attnD)
  int attnD = 64, attnWindow = 0, BM = 64, BN = 64;
  int numWarps = 4;
  int mma = 0;               // IDA_CFG_MMA: 2 split-bf16, 1 bf16 tensor-core matmuls
  bool bf16Only = false;     // built and checked with bf16 inputs only
  bool experimental = false; // reported, but not counted in the exit status
};

/// The program symbols of a source, in a fixed order; index = position.
enum Prog : int {
  kOnePass = 0, kChunkStates, kStatePassing, kChunkOutput, kDecode,
  kBwd, kBwdReduce, kAttnFwd, kAttnBwdDKDV, kAttnBwdDQ, kNumProgs
};
inline const char *progSymbol(int p) {
  static const char *names[] = {"ida_scan_fwd_onepass", "ida_scan_chunk_states",
                                "ida_scan_state_passing", "ida_scan_chunk_output",
                                "ida_scan_decode", "ida_scan_bwd", "ida_scan_bwd_reduce",
                                "ida_attn_fwd", "ida_attn_bwd_dkdv", "ida_attn_bwd_dq"};
  return names[p];
}
inline bool progIncluded(const ScanPreset &p, int prog) {
  if (prog == kBwd || prog == kBwdReduce)
    return p.backward;
  if (prog >= kAttnFwd)
    return p.attention;
  return true;
}

/// "float" or "__nv_bfloat16" (or "__half").
inline std::string generateSource(const ScanPreset &p, const std::string &inType) {
  static const char *order[] = {
      "common/ida_abi.h",          "tile/cuda/tile_cuda.cuh",    "kernels/scan_params.h",
      "kernels/scan_prologue.h",   "kernels/scan_chunk.h",       "kernels/scan_fwd_onepass.h",
      "kernels/scan_fwd_twopass.h", "kernels/scan_decode.h",     "kernels/scan_prologue_bwd.h",
      "kernels/scan_bwd.h",        "kernels/softmax_attn_fwd.h", "kernels/softmax_attn_bwd.h"};
  std::string src;
  for (const char *path : order) {
    const char *text = ida::templates::get(path);
    if (!text)
      throw std::runtime_error(std::string("template not embedded: ") + path);
    src += "// ---- templates/" + std::string(path) + "\n" + text + "\n";
  }
  auto b = [](bool v) { return v ? "true" : "false"; };
  src += "// ---- generated parameters (" + p.name + ")\n";
  src += "struct IdaGenParams {\n";
  src += "  static constexpr int D = " + std::to_string(p.D) + ", F = " + std::to_string(p.F) +
         ", Fp = " + std::to_string(p.Fp) + ", N = " + std::to_string(p.N) +
         ", P = " + std::to_string(p.P) + ";\n";
  src += "  static constexpr int feature = " + std::to_string(p.feature) +
         ", basis = " + std::to_string(p.basis) + ";\n";
  src += std::string("  static constexpr bool normalize = ") + b(p.normalize) +
         ", has_S0 = " + b(p.hasS0) + ", has_ST = true;\n";
  src += "  using in_t = " + inType + ";\n};\n";
  src += "struct IdaAttnParams {\n  static constexpr int D = " + std::to_string(p.attnD) +
         ", P = " + std::to_string(p.attnD) + ", window = " + std::to_string(p.attnWindow) +
         ";\n  using in_t = " + inType + ";\n};\n";
  src += "// ---- generated wrappers\n"
         "#define IDA_GPU_CHECK_WRAP(SYM, PROG)                                          \\\n"
         "  extern \"C\" __global__ void __launch_bounds__(32 * IDA_CFG_NUM_WARPS, 1)        \\\n"
         "  SYM(IdaKernelArgs a) {                                                       \\\n"
         "    PROG::run(a, blockIdx.x, blockIdx.y, blockIdx.z);                          \\\n"
         "    idat::ida_cuda_arena_record_peak();                                        \\\n"
         "  }\n";
  const char *progs[] = {"idak::ScanFwdOnePassProgram<IdaGenParams>",
                         "idak::ScanChunkStatesProgram<IdaGenParams>",
                         "idak::ScanStatePassingProgram<IdaGenParams>",
                         "idak::ScanChunkOutputProgram<IdaGenParams>",
                         "idak::ScanDecodeProgram<IdaGenParams>",
                         "idak::ScanBwdProgram<IdaGenParams>",
                         "idak::ScanBwdParamReduceProgram<IdaGenParams>",
                         "idak::SoftmaxAttnFwdProgram<IdaAttnParams>",
                         "idak::SoftmaxAttnBwdDKDVProgram<IdaAttnParams>",
                         "idak::SoftmaxAttnBwdDQProgram<IdaAttnParams>"};
  for (int i = 0; i < kNumProgs; ++i)
    if (progIncluded(p, i))
      src += "IDA_GPU_CHECK_WRAP(" + std::string(progSymbol(i)) + ", " + progs[i] + ")\n";
  return src;
}

/// The symbols a source defines, in Prog order (absent programs skipped).
inline std::vector<std::string> sourceSymbols(const ScanPreset &p) {
  std::vector<std::string> s;
  for (int i = 0; i < kNumProgs; ++i)
    if (progIncluded(p, i))
      s.push_back(progSymbol(i));
  return s;
}

/// -DIDA_CFG_<KEY>=<VALUE> of one build.
inline std::map<std::string, int64_t> presetConfig(const ScanPreset &p) {
  std::map<std::string, int64_t> c = {{"C", p.C},   {"BV", p.BV},   {"BM", p.BM},
                                       {"BN", p.BN}, {"NUM_WARPS", p.numWarps}};
  if (p.mma)
    c["MMA"] = p.mma;
  return c;
}

/// The presets of the GPU self-check (and of the compile test).
inline std::vector<ScanPreset> gpuCheckPresets() {
  std::vector<ScanPreset> v;
  {
    // The flagship: elu1, N=4, D=P=64, softmax basis, with S0. Its backward
    // holds one value tile of the [N*F, P] states at a time; at C = 32,
    // BV = 64 it does not fit in 227 KB, so it runs as the next preset's.
    ScanPreset p;
    p.name = "elu1-n4-d64";
    p.backward = false;
    p.attention = true;
    v.push_back(p);
  }
  {
    // The flagship's backward at the compiler's default for it (ida-plan:
    // C = 16, BV = 32, two value tiles; about 185 KB of arena).
    ScanPreset p;
    p.name = "elu1-n4-d64-bwd";
    p.C = 16;
    p.BV = 32;
    v.push_back(p);
  }
  {
    ScanPreset p;
    p.name = "elu1-n4-d64p32";
    p.P = 32;
    p.C = 16;
    p.BV = 32;
    v.push_back(p);
  }
  {
    // Mamba2-like: uniform basis, N = 1, identity features, no S0.
    ScanPreset p;
    p.name = "mamba2-like";
    p.feature = 0;
    p.basis = 2;
    p.N = 1;
    p.hasS0 = false;
    p.C = 32;
    v.push_back(p);
  }
  {
    ScanPreset p;
    p.name = "prf-fp32-d32";
    p.feature = 4;
    p.D = 32;
    p.Fp = 32;
    p.F = 32;
    p.N = 2;
    p.P = 32;
    p.C = 32;
    p.BV = 32;
    v.push_back(p);
  }
  {
    ScanPreset p;
    p.name = "normalize-elu1-sigmoid";
    p.feature = 1;
    p.basis = 1;
    p.normalize = true;
    p.D = 32;
    p.F = 32;
    p.N = 2;
    p.P = 32;
    p.C = 32;
    p.BV = 16;
    v.push_back(p);
  }
  {
    // The flagship and the backward preset as codegen builds them for bf16
    // inputs: split-bf16 tensor-core matmuls (IDA_CFG_MMA=2, docs/cuda.md
    // "Tensor cores"), checked at the bf16 tolerance like any other check.
    for (ScanPreset p : {v[0], v[1]}) {
      p.name += "-mma2";
      p.mma = 2;
      p.bf16Only = true;
      v.push_back(p);
    }
  }
  {
    // Experimental: the single-bf16 tensor-core path (IDA_CFG_MMA=1, an
    // opt-in) on the backward preset, whose parameter gradients exceed
    // 1e-2 in the emulation; reported with its own tolerance, never failing
    // the check.
    ScanPreset p = v[1];
    p.name += "-mma1";
    p.mma = 1;
    p.bf16Only = true;
    p.experimental = true;
    v.push_back(p);
  }
  return v;
}

} // namespace ida::gpucheck

#endif // IDA_TESTS_GPU_GPUCHECKSOURCE_H

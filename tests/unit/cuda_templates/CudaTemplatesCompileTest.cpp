//===- tests/unit/cuda_templates/CudaTemplatesCompileTest.cpp -------------===//
//
// Compiles every kernel program against the CUDA tile API with NVRTC for
// sm_90 (and sm_80 for the flagship preset), fp32 and bf16 inputs, and
// checks ptxas's report: no spills (sm_90; sm_80 <= 16 bytes), registers
// reported, static shared memory within 48 KB (tiles live in the dynamic
// arena). bf16 builds use the split-bf16 tensor-core matmuls
// (IDA_CFG_MMA=2), as codegen's default for bf16/f16 kernels does. No GPU
// needed.
//
//===----------------------------------------------------------------------===//
#include "tests/gpu/GpuCheckSource.h"

#include "runtime/backend/cuda/Nvrtc.h"

#include <gtest/gtest.h>

#include <cstdio>

using namespace ida;
using namespace ida::gpucheck;

namespace {

ScanPreset compilePreset(const std::string &name) {
  ScanPreset p;
  p.name = name;
  if (name == "elu1-n4-d64") {
    p.attention = true; // + softmax attention D = P = 64
  } else if (name == "elu1-n4-d64-bwd") {
    p.C = 16; // the backward's default (value tiles of 32 columns)
    p.BV = 32;
  } else if (name == "prf-fp64-d64") {
    p.feature = 4;
    p.Fp = 64;
    p.F = 64;
    p.N = 2;
  } else if (name == "taylor2-d8") {
    p.feature = 3;
    p.D = 8;
    p.F = 1 + 8 + 64;
    p.N = 2;
    p.P = 32;
    p.BV = 32;
  } else if (name == "normalize-elu1") {
    p.normalize = true;
    p.basis = 1;
    p.D = p.F = p.P = 32;
    p.N = 2;
    // ida-plan's default for this backward: C = 32 and one value tile. With
    // BV = 16 (two tiles) the normalize backward spilled 116 bytes at 255
    // registers on sm_90 until the arena's overflow path became an exit (221
    // registers, no spills: tests/gpu's normalize preset builds it).
    p.BV = 32;
  }
  return p;
}

void compileAndCheck(const std::string &presetName, const std::string &arch, bool bf16) {
  ScanPreset p = compilePreset(presetName);
  if (bf16)
    p.mma = 2; // ida-plan's default for bf16/f16 inputs (catalog::usesMma)
  KernelBuildRequest req;
  req.kernelName = "cuda_templates/" + p.name + (bf16 ? "/bf16/" : "/fp32/") + arch;
  req.source = generateSource(p, bf16 ? "__nv_bfloat16" : "float");
  req.sourcePath = "<generated>";
  req.config = presetConfig(p);
  req.symbols = sourceSymbols(p);
  NvrtcCompiler compiler; // options from the environment (IDA_CACHE_DIR)
  std::shared_ptr<const CudaBinary> bin;
  try {
    bin = compiler.build(req, arch);
  } catch (const std::exception &e) {
    FAIL() << req.kernelName << ": " << e.what();
  }
  ASSERT_TRUE(bin);
  std::printf("%s\n%s", req.kernelName.c_str(),
              formatResources(bin->result.resources, req.symbols).c_str());
  for (const std::string &sym : req.symbols) {
    auto it = bin->result.resources.find(sym);
    ASSERT_NE(it, bin->result.resources.end()) << sym << " not in the ptxas report";
    const KernelResources &r = it->second;
    EXPECT_GT(r.registers, 0) << sym;
    EXPECT_LE(r.registers, 255) << sym;
    // sm_90 (the target): no spills at all. sm_80: ptxas spills 8 bytes in
    // ida_attn_bwd_dkdv at 96 registers (seen with NVRTC 13.0); tolerated up
    // to 16 bytes there so a regression beyond that still fails.
    const int64_t budget = arch == "sm_90" ? 0 : 16;
    EXPECT_LE(r.spillStores, budget) << sym << " spill stores";
    EXPECT_LE(r.spillLoads, budget) << sym << " spill loads";
    EXPECT_LE(r.staticSmem, 48 * 1024) << sym;
  }
}

} // namespace

// Eight builds (about 30 s of NVRTC + ptxas each, then cached): the flagship
// preset in both dtypes at sm_90 and bf16 at sm_80, its backward in both
// dtypes at sm_90 and bf16 at sm_80 (bf16 means the mma matmuls, which
// need more registers); the other presets in one dtype each.
TEST(CudaTemplates, Elu1N4D64Sm90Fp32) { compileAndCheck("elu1-n4-d64", "sm_90", false); }
TEST(CudaTemplates, Elu1N4D64Sm90Bf16) { compileAndCheck("elu1-n4-d64", "sm_90", true); }
TEST(CudaTemplates, Elu1N4D64Sm80Bf16) { compileAndCheck("elu1-n4-d64", "sm_80", true); }
TEST(CudaTemplates, Elu1N4D64BackwardSm90Fp32) {
  compileAndCheck("elu1-n4-d64-bwd", "sm_90", false);
}
TEST(CudaTemplates, Elu1N4D64BackwardSm90Bf16) {
  compileAndCheck("elu1-n4-d64-bwd", "sm_90", true);
}
TEST(CudaTemplates, Elu1N4D64BackwardSm80Bf16) {
  compileAndCheck("elu1-n4-d64-bwd", "sm_80", true);
}
TEST(CudaTemplates, PrfSm90Fp32) { compileAndCheck("prf-fp64-d64", "sm_90", false); }
TEST(CudaTemplates, Taylor2Sm90Bf16) { compileAndCheck("taylor2-d8", "sm_90", true); }
TEST(CudaTemplates, NormalizeSm90Fp32) { compileAndCheck("normalize-elu1", "sm_90", false); }

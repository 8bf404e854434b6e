//===- tests/unit/nn/LayerKernelsNvrtcTest.cpp - layer programs for CUDA --===//
//
// The text LayerKernels compiles on a GPU (templates/kernels/nn_layers.h over
// tile/cuda/par_cuda.cuh) built with NVRTC for Ampere and Hopper without a
// GPU: every program is a kernel of the CUBIN, none spills, none uses a
// stack frame, and static shared memory is only the reductions' partials.
//
//===----------------------------------------------------------------------===//
#include "runtime/backend/cuda/Nvrtc.h"
#include "runtime/nn/LayerKernels.h"
#include "runtime/support/Error.h"

#include <gtest/gtest.h>

namespace ida::nn {
namespace {

TEST(LayerKernelsNvrtc, CompilesWithoutSpillsForSm80AndSm90) {
  const std::string source = layerKernelSource("cuda");
  for (const char *arch : {"sm_80", "sm_90"}) {
    if (!nvrtcSupportsArch(arch))
      GTEST_SKIP() << "NVRTC " << nvrtcVersionString() << " lacks " << arch;
    NvrtcResult r = compileCuda(source, arch, Config{}, NvrtcOptions::fromEnv(),
                                layerKernelSymbols(), "nn_layers");
    ASSERT_FALSE(r.isPtx);
    for (const std::string &sym : layerKernelSymbols()) {
      ASSERT_TRUE(r.resources.count(sym)) << arch << " " << sym << "\n" << r.log;
      const KernelResources &k = r.resources.at(sym);
      EXPECT_FALSE(k.spills()) << arch << " " << sym;
      EXPECT_EQ(k.stackFrame, 0) << arch << " " << sym;
      EXPECT_LE(k.staticSmem, 1024) << arch << " " << sym; // reductions: 32 partials each
      EXPECT_GT(k.registers, 0) << arch << " " << sym;
    }
  }
}

TEST(LayerKernelsNvrtc, SourceNamesEveryProgramOnce) {
  const std::string cuda = layerKernelSource("cuda"), cpu = layerKernelSource("cpu");
  for (const std::string &sym : layerKernelSymbols()) {
    EXPECT_EQ(cuda.find(sym), cuda.rfind(sym)) << sym;
    EXPECT_NE(cpu.find("void " + sym + "("), std::string::npos) << sym;
  }
  EXPECT_THROW(layerKernelSource("metal"), ida::Error);
}

} // namespace
} // namespace ida::nn

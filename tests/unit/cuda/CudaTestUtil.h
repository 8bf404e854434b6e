//===- tests/unit/cuda/CudaTestUtil.h - shared CUDA test helpers -*- C++ -*-===//
#ifndef IDA_TESTS_UNIT_CUDA_CUDATESTUTIL_H
#define IDA_TESTS_UNIT_CUDA_CUDATESTUTIL_H

#include "runtime/backend/cuda/Nvrtc.h"

#include <cstdint>
#include <string>

namespace ida::test {

/// A fresh directory under the system temp dir, removed at exit.
std::string makeCudaTempDir(const std::string &prefix);

/// The test kernels (ida_test_scale, ida_test_smem, ida_test_grid), written
/// against templates/common/ida_abi.h (embedded as text, as codegen does)
/// with bf16 loads through <cuda_bf16.h> and IDA_CFG_SCALE.
std::string testKernelSource();

/// A kernel on the CUDA tile API (templates/tile/cuda/tile_cuda.cuh, 4
/// warps): ida_test_arena declares one 64 x 64 tile (16640 bytes after the
/// 1024-byte arena header), fills it with 1 + blockIdx.x, writes one element
/// per block to buffers[0], and ends with the wrappers' epilogue (the arena
/// peak into ida_arena_status).
std::string arenaKernelSource();
/// What ida_test_arena's blocks need: 1024 + 16640 bytes.
constexpr int64_t kArenaKernelPeak = 17664;

/// NVRTC options with a private cache directory.
NvrtcOptions testNvrtcOptions(const std::string &cacheDir);

uint16_t floatToBf16(float f);
float bf16ToFloat(uint16_t b);

} // namespace ida::test

#endif

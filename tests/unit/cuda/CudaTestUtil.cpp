//===- tests/unit/cuda/CudaTestUtil.cpp - shared CUDA test helpers --------===//

#include "tests/unit/cuda/CudaTestUtil.h"

#include "runtime/support/File.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <vector>

namespace ida::test {

namespace fs = std::filesystem;

namespace {
struct TempDirs {
  std::vector<std::string> dirs;
  ~TempDirs() {
    if (std::getenv("IDA_TEST_KEEP_TMP"))
      return;
    for (const std::string &d : dirs) {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  }
};
TempDirs &tempDirs() {
  static TempDirs t;
  return t;
}
} // namespace

std::string makeCudaTempDir(const std::string &prefix) {
  std::string pattern =
      (fs::temp_directory_path() / ("ida-" + prefix + "-XXXXXX")).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    throw std::runtime_error("mkdtemp failed for " + pattern);
  tempDirs().dirs.push_back(buf.data());
  return buf.data();
}

std::string arenaKernelSource() {
  const char *root = std::getenv("IDA_TEST_SOURCE_DIR");
  const std::string dir = root && *root ? root : IDA_SOURCE_DIR;
  return readFile(dir + "/templates/common/ida_abi.h") +
         readFile(dir + "/templates/tile/cuda/tile_cuda.cuh") + R"(
extern "C" __global__ void __launch_bounds__(32 * IDA_CFG_NUM_WARPS, 1)
ida_test_arena(IdaKernelArgs args) {
  idat::TileCtx ctx = idat::make_ctx();
  {
    idat::Tile<64, 64> t;
    idat::fill(ctx, t, 1.0f + (float)blockIdx.x);
    if (threadIdx.x == 0)
      ((float *)args.buffers[0])[blockIdx.x] = t(63, 63);
  }
  idat::ida_cuda_arena_record_peak();
}
)";
}

std::string testKernelSource() {
  // $IDA_TEST_SOURCE_DIR lets a copied test binary run from another
  // checkout (the GPU machine).
  const char *root = std::getenv("IDA_TEST_SOURCE_DIR");
  std::string abi = readFile(std::string(root && *root ? root : IDA_SOURCE_DIR) +
                             "/templates/common/ida_abi.h");
  return "#include <cuda_bf16.h>\n" + abi + R"(
#ifndef IDA_CFG_SCALE
#define IDA_CFG_SCALE 2
#endif

// y[i] = float(x[i]) * SCALE for i < T; x is bf16.
extern "C" __global__ void ida_test_scale(IdaKernelArgs args) {
  const __nv_bfloat16 *x = (const __nv_bfloat16 *)args.buffers[0];
  float *y = (float *)args.buffers[1];
  int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i < args.T)
    y[i] = __bfloat162float(x[i]) * (float)IDA_CFG_SCALE;
}

// Fills H floats of dynamic shared memory, then each block writes the last
// blockDim.x of them, reversed: out[b * blockDim + t] = in[(H - 1 - t) % T].
// A static tile (32 floats) is used too, so ptxas reports 128 bytes smem.
extern "C" __global__ void ida_test_smem(IdaKernelArgs args) {
  extern __shared__ float dyn[];
  __shared__ float tile[32];
  const float *in = (const float *)args.buffers[0];
  float *out = (float *)args.buffers[1];
  int64_t H = args.H, T = args.T;
  for (int64_t j = threadIdx.x; j < H; j += blockDim.x)
    dyn[j] = in[j % T];
  if (threadIdx.x < 32)
    tile[threadIdx.x] = 1.0f;
  __syncthreads();
  out[(int64_t)blockIdx.x * blockDim.x + threadIdx.x] =
      dyn[H - 1 - threadIdx.x] * tile[threadIdx.x % 32];
}

// One thread per program writes x + 1000 y + 1000000 z at its linear index
// (x fastest, over args.grid).
extern "C" __global__ void ida_test_grid(IdaKernelArgs args) {
  int *out = (int *)args.buffers[0];
  if (threadIdx.x != 0)
    return;
  int64_t linear = blockIdx.x + args.grid[0] * (blockIdx.y + args.grid[1] * (int64_t)blockIdx.z);
  out[linear] = (int)(blockIdx.x + 1000 * blockIdx.y + 1000000 * blockIdx.z);
}
)";
}

NvrtcOptions testNvrtcOptions(const std::string &cacheDir) {
  NvrtcOptions o = NvrtcOptions::fromEnv();
  o.cacheDir = cacheDir;
  o.extraFlags.clear();
  o.fastMath = false;
  return o;
}

uint16_t floatToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint32_t rounding = 0x7fff + ((bits >> 16) & 1); // round to nearest even
  return uint16_t((bits + rounding) >> 16);
}

float bf16ToFloat(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

} // namespace ida::test

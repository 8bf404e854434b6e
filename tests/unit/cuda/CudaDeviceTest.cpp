//===- tests/unit/cuda/CudaDeviceTest.cpp - the driver-API device ---------===//
//
// The first group runs anywhere (no driver: clear errors, CPU fallback). The
// GpuTest group launches kernels and skips itself where no GPU is present.
//
//===----------------------------------------------------------------------===//

#include "runtime/backend/Device.h"
#include "runtime/backend/cuda/CudaDevice.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "runtime/support/Sha256.h"
#include "tests/unit/cuda/CudaTestUtil.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

namespace ida {
namespace {

using test::arenaKernelSource;
using test::bf16ToFloat;
using test::kArenaKernelPeak;
using test::floatToBf16;
using test::makeCudaTempDir;
using test::testKernelSource;
using test::testNvrtcOptions;

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

/// Whether this machine has a usable GPU (and the reason if not).
bool gpuPresent(std::string *why = nullptr) {
  try {
    CudaDevice probe;
    return true;
  } catch (const UnavailableError &e) {
    if (why)
      *why = e.what();
    return false;
  }
}

TEST(CudaDriver, MissingLibraryIsUnavailable) {
  CudaDeviceOptions o;
  o.driverLibrary = "libida-no-such-driver.so.1";
  o.nvrtc = testNvrtcOptions(makeCudaTempDir("drv-missing"));
  try {
    CudaDevice device(o);
    FAIL() << "expected UnavailableError";
  } catch (const UnavailableError &e) {
    EXPECT_TRUE(contains(e.what(),
                         "no CUDA driver found (libida-no-such-driver.so.1)"))
        << e.what();
  }
}

TEST(CudaDriver, MakeDeviceCudaWithoutGpuSaysWhy) {
  std::unique_ptr<Device> device;
  try {
    device = makeDevice("cuda");
  } catch (const UnavailableError &e) {
    std::string what = e.what();
    EXPECT_TRUE(contains(what, "no CUDA driver found (libcuda.so.1)") ||
                contains(what, "no CUDA device"))
        << what;
    return;
  }
  ASSERT_TRUE(device);
  EXPECT_EQ(device->target(), Target::Cuda);
  GTEST_SKIP() << "a GPU is present: " << device->name();
}

TEST(CudaDriver, MakeDeviceAutoFallsBackToCpu) {
  std::unique_ptr<Device> device = makeDevice("auto");
  ASSERT_TRUE(device);
  if (gpuPresent())
    EXPECT_EQ(device->target(), Target::Cuda) << device->name();
  else
    EXPECT_EQ(device->target(), Target::Cpu) << device->name();
  EXPECT_EQ(makeDevice("cpu")->target(), Target::Cpu);
  EXPECT_THROW(makeDevice("tpu"), Error);
}

//===----------------------------------------------------------------------===//
// On a GPU
//===----------------------------------------------------------------------===//

class GpuTest : public ::testing::Test {
protected:
  void SetUp() override {
    CudaDeviceOptions o = CudaDeviceOptions::fromEnv();
    o.nvrtc = testNvrtcOptions(makeCudaTempDir("gpu"));
    try {
      device_ = std::make_unique<CudaDevice>(o);
    } catch (const UnavailableError &e) {
      GTEST_SKIP() << "no GPU: " << e.what();
    }
  }

  std::shared_ptr<CudaCompiledKernel> compile(Config config = {{"SCALE", 3}}) {
    KernelBuildRequest r;
    r.kernelName = "ida_test";
    r.source = testKernelSource();
    r.sourcePath = "tests/unit/cuda/<embedded>";
    r.config = std::move(config);
    r.symbols = {"ida_test_scale", "ida_test_smem", "ida_test_grid"};
    auto k = std::dynamic_pointer_cast<CudaCompiledKernel>(device_->compile(r));
    EXPECT_TRUE(k);
    return k;
  }

  std::unique_ptr<CudaDevice> device_;
};

TEST_F(GpuTest, Identity) {
  EXPECT_TRUE(contains(device_->name(), "cuda: ")) << device_->name();
  EXPECT_TRUE(contains(device_->name(),
                       "sm_" + std::to_string(device_->computeCapability())));
  EXPECT_FALSE(device_->hostAccessible());
  EXPECT_EQ(device_->target(), Target::Cuda);
  EXPECT_GT(device_->totalMemory(), 0u);
  EXPECT_GE(device_->driverVersion(), 12000);
  std::printf("device: %s, arch %s, driver %d\n", device_->name().c_str(),
              device_->arch().c_str(), device_->driverVersion());
}

TEST_F(GpuTest, MemoryRoundTripAndZero) {
  std::vector<int> host(1000);
  for (size_t i = 0; i < host.size(); ++i)
    host[i] = int(i * 7 + 1);
  DeviceBuffer buf = device_->allocate(host.size() * sizeof(int));
  ASSERT_NE(buf.get(), nullptr);
  device_->copyToDevice(buf.get(), host.data(), buf.size());
  std::vector<int> back(host.size(), 0);
  device_->copyToHost(back.data(), buf.get(), buf.size());
  EXPECT_EQ(back, host);
  device_->fillZero(buf.get(), buf.size());
  device_->copyToHost(back.data(), buf.get(), buf.size());
  for (int v : back)
    ASSERT_EQ(v, 0);
  DeviceBuffer a = device_->allocate(0), b = device_->allocate(0);
  EXPECT_NE(a.get(), nullptr);
  EXPECT_NE(a.get(), b.get());
}

TEST_F(GpuTest, LaunchScaleKernelBf16) {
  auto kernel = compile({{"SCALE", 3}});
  ASSERT_EQ(kernel->numPrograms(), 3u);
  const int64_t n = 1000; // ragged: not a multiple of the block
  std::vector<uint16_t> x(n);
  for (int64_t i = 0; i < n; ++i)
    x[i] = floatToBf16(float(i) * 0.37f - 50.0f);
  DeviceBuffer dx = device_->allocate(n * 2), dy = device_->allocate(n * 4);
  device_->copyToDevice(dx.get(), x.data(), n * 2);
  device_->fillZero(dy.get(), n * 4);
  IdaKernelArgs args{};
  args.buffers[0] = dx.get();
  args.buffers[1] = dy.get();
  args.B = 1;
  args.T = n;
  args.H = 1;
  LaunchGeometry g;
  g.threads = 128;
  g.grid[0] = (n + 127) / 128;
  for (int i = 0; i < 3; ++i)
    args.grid[i] = g.grid[i];
  kernel->launch(0, args, g);
  device_->synchronize();
  std::vector<float> y(n);
  device_->copyToHost(y.data(), dy.get(), n * 4);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(y[i], bf16ToFloat(x[i]) * 3.0f) << "at " << i;

  // Another configuration is another binary.
  auto k4 = compile({{"SCALE", 4}});
  EXPECT_NE(k4->cacheKey(), kernel->cacheKey());
  k4->launch(0, args, g);
  device_->copyToHost(y.data(), dy.get(), n * 4);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(y[i], bf16ToFloat(x[i]) * 4.0f) << "at " << i;

  // Driver and ptxas agree on registers.
  CudaFunctionInfo info = kernel->functionInfo(0);
  EXPECT_EQ(info.registers, kernel->resources(0).registers);
  EXPECT_GE(info.maxThreadsPerBlock, 128);
}

// A block whose tiles do not fit its dynamic shared memory records what it
// needed and exits (tile_cuda.cuh): checkLaunches() reports it, the context
// survives, and the next launch with enough memory computes and records the
// arena peak.
TEST_F(GpuTest, ArenaOverflowIsReportedAndTheContextSurvives) {
  KernelBuildRequest r;
  r.kernelName = "ida_test_arena";
  r.source = arenaKernelSource();
  r.sourcePath = "tests/unit/cuda/<arena>";
  r.config = {{"NUM_WARPS", 4}};
  r.symbols = {"ida_test_arena"};
  auto kernel = std::dynamic_pointer_cast<CudaCompiledKernel>(device_->compile(r));
  ASSERT_TRUE(kernel);
  ASSERT_TRUE(kernel->hasArenaStatus());
  EXPECT_EQ(kernel->arenaPeak(), -1);
  const int64_t blocks = 5;
  DeviceBuffer out = device_->allocate(blocks * 4);
  device_->fillZero(out.get(), blocks * 4);
  IdaKernelArgs args{};
  args.buffers[0] = out.get();
  LaunchGeometry g;
  g.threads = 128;
  g.grid[0] = blocks;
  args.grid[0] = blocks;
  g.smem = 8192;
  kernel->launch(0, args, g);
  device_->synchronize(); // a trap would fail here and lose the context
  try {
    kernel->checkLaunches();
    FAIL() << "expected ArenaOverflowError";
  } catch (const ArenaOverflowError &e) {
    EXPECT_EQ(e.needBytes(), kArenaKernelPeak);
    EXPECT_EQ(e.availableBytes(), 8192);
    EXPECT_TRUE(contains(e.what(), "program 'ida_test_arena'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "[NUM_WARPS=4]")) << e.what();
  }
  std::vector<float> y(blocks, -1.0f);
  device_->copyToHost(y.data(), out.get(), blocks * 4);
  for (float v : y)
    EXPECT_EQ(v, 0.0f) << "an exited block wrote its output";
  EXPECT_NO_THROW(kernel->checkLaunches()) << "the overflow is reported once";

  g.smem = 48 * 1024;
  kernel->launch(0, args, g);
  device_->synchronize();
  EXPECT_NO_THROW(kernel->checkLaunches());
  EXPECT_EQ(kernel->arenaPeak(), kArenaKernelPeak);
  device_->copyToHost(y.data(), out.get(), blocks * 4);
  for (int64_t b = 0; b < blocks; ++b)
    EXPECT_EQ(y[b], 1.0f + float(b));
}

TEST_F(GpuTest, LargeDynamicSharedMemory) {
  auto kernel = compile();
  int optin = device_->attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
  int64_t smem = std::min<int64_t>(100 * 1024, optin - 1024);
  ASSERT_GT(smem, 48 * 1024) << "this GPU has no opt-in shared memory";
  const int64_t H = smem / 4, T = 777, threads = 256, blocks = 3;
  std::vector<float> in(T);
  for (int64_t i = 0; i < T; ++i)
    in[i] = float(i) + 0.5f;
  DeviceBuffer din = device_->allocate(T * 4),
               dout = device_->allocate(blocks * threads * 4);
  device_->copyToDevice(din.get(), in.data(), T * 4);
  IdaKernelArgs args{};
  args.buffers[0] = din.get();
  args.buffers[1] = dout.get();
  args.T = T;
  args.H = H;
  LaunchGeometry g;
  g.grid[0] = blocks;
  g.threads = threads;
  g.smem = smem;
  kernel->launch(1, args, g);
  std::vector<float> out(blocks * threads);
  device_->copyToHost(out.data(), dout.get(), out.size() * 4);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t t = 0; t < threads; ++t)
      ASSERT_EQ(out[b * threads + t], in[(H - 1 - t) % T]) << b << "," << t;
  EXPECT_EQ(kernel->resources(1).staticSmem, 128);
}

TEST_F(GpuTest, ThreeDimensionalGrid) {
  auto kernel = compile();
  LaunchGeometry g;
  g.grid[0] = 5;
  g.grid[1] = 4;
  g.grid[2] = 3;
  g.threads = 32;
  const int64_t n = 5 * 4 * 3;
  DeviceBuffer out = device_->allocate(n * 4);
  device_->fillZero(out.get(), n * 4);
  IdaKernelArgs args{};
  args.buffers[0] = out.get();
  for (int i = 0; i < 3; ++i)
    args.grid[i] = g.grid[i];
  kernel->launch(2, args, g);
  std::vector<int> host(n);
  device_->copyToHost(host.data(), out.get(), n * 4);
  std::set<int> seen;
  for (int z = 0; z < 3; ++z)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 5; ++x)
        ASSERT_EQ(host[x + 5 * (y + 4 * z)], x + 1000 * y + 1000000 * z);
  // An empty grid is a no-op, not an error.
  g.grid[1] = 0;
  EXPECT_NO_THROW(kernel->launch(2, args, g));
}

TEST_F(GpuTest, BadGeometryAndProgramIndex) {
  auto kernel = compile();
  IdaKernelArgs args{};
  LaunchGeometry g;
  g.threads = 2048;
  EXPECT_THROW(kernel->launch(0, args, g), ArgumentError);
  g.threads = 32;
  g.grid[0] = -1;
  EXPECT_THROW(kernel->launch(0, args, g), ArgumentError);
  g.grid[0] = 1;
  EXPECT_THROW(kernel->launch(7, args, g), Error);
}

TEST_F(GpuTest, EventTimer) {
  auto kernel = compile();
  const int64_t n = 1 << 20;
  DeviceBuffer dx = device_->allocate(n * 2), dy = device_->allocate(n * 4);
  device_->fillZero(dx.get(), n * 2);
  IdaKernelArgs args{};
  args.buffers[0] = dx.get();
  args.buffers[1] = dy.get();
  args.T = n;
  LaunchGeometry g;
  g.threads = 256;
  g.grid[0] = n / 256;
  args.grid[0] = g.grid[0];
  args.grid[1] = args.grid[2] = 1;
  float ms = device_->timeMs([&] {
    for (int i = 0; i < 10; ++i)
      kernel->launch(0, args, g);
  });
  EXPECT_GT(ms, 0.0f);
  EXPECT_LT(ms, 10000.0f);
  auto timer = device_->makeTimer();
  timer->start();
  kernel->launch(0, args, g);
  timer->stop();
  EXPECT_GE(timer->elapsedMs(), 0.0f);
}

TEST_F(GpuTest, CompileIsCachedPerDevice) {
  auto a = compile();
  auto b = compile();
  EXPECT_EQ(a.get(), b.get()) << "one module per configuration and device";
  EXPECT_EQ(a->binaryPath().substr(a->binaryPath().size() - 6), ".cubin");
}

TEST_F(GpuTest, MissingProgramIsACompileError) {
  KernelBuildRequest r;
  r.kernelName = "ida_test";
  r.source = testKernelSource();
  r.symbols = {"ida_test_scale", "ida_missing_program"};
  try {
    device_->compile(r);
    FAIL() << "expected CompileError";
  } catch (const CompileError &e) {
    EXPECT_TRUE(contains(e.what(), "ida_missing_program")) << e.what();
  }
}

TEST_F(GpuTest, CachedBinaryTheDriverRejectsIsRebuilt) {
  auto kernel = compile({{"SCALE", 9}});
  std::string path = kernel->binaryPath();
  std::string key = kernel->cacheKey();
  // An "ELF" the driver cannot load, with a matching .info, so only
  // cuModuleLoadData can tell.
  std::string junk = std::string("\x7f" "ELF") + std::string(256, 'x');
  writeFileAtomic(path, junk);
  writeFileAtomic(path.substr(0, path.size() - 6) + ".info",
                  "ida-cuda-binary-info/1\narch " + device_->arch() +
                      "\nsha256 " + sha256Hex(junk) + "\nlog\n");
  NvrtcCompiler::clearMemoryCache();
  NvrtcCompiler::resetStats();
  CudaDeviceOptions o = CudaDeviceOptions::fromEnv();
  o.nvrtc = device_->compiler().options();
  CudaDevice fresh(o);
  KernelBuildRequest r;
  r.kernelName = "ida_test";
  r.source = testKernelSource();
  r.config = {{"SCALE", 9}};
  r.symbols = {"ida_test_scale"};
  auto again = fresh.compile(r);
  EXPECT_EQ(again->cacheKey(), key);
  EXPECT_EQ(NvrtcCompiler::stats().diskHits, 1u);
  EXPECT_EQ(NvrtcCompiler::stats().nvrtcRuns, 1u) << "rebuilt once";
  EXPECT_NE(readFile(path), junk);
}

} // namespace
} // namespace ida

//===- tests/unit/cuda/NvrtcTest.cpp - NVRTC backend, no GPU needed -------===//

#include "runtime/backend/cuda/Nvrtc.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "templates/common/ida_abi.h"
#include "tests/unit/cuda/CudaTestUtil.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace ida {
namespace {

namespace fs = std::filesystem;
using test::arenaKernelSource;
using test::makeCudaTempDir;
using test::testKernelSource;
using test::testNvrtcOptions;

const std::vector<std::string> kSymbols = {"ida_test_scale", "ida_test_smem",
                                           "ida_test_grid"};

KernelBuildRequest testRequest(Config config = {{"SCALE", 3}}) {
  KernelBuildRequest r;
  r.kernelName = "ida_test";
  r.source = testKernelSource();
  r.sourcePath = "tests/unit/cuda/<embedded>";
  r.config = std::move(config);
  r.symbols = kSymbols;
  return r;
}

class NvrtcArchTest : public ::testing::TestWithParam<const char *> {};

TEST_P(NvrtcArchTest, CompilesAbiKernelAndReportsResources) {
  std::string arch = GetParam();
  NvrtcOptions options = testNvrtcOptions(makeCudaTempDir("nvrtc-arch"));
  NvrtcResult r = compileCuda(testKernelSource(), arch, {{"SCALE", 3}},
                              options, kSymbols, "ida_test");
  EXPECT_EQ(r.arch, arch);
  EXPECT_FALSE(r.isPtx);
  ASSERT_GT(r.image.size(), 4u);
  EXPECT_EQ(r.image.compare(0, 4, "\x7f" "ELF"), 0) << "a CUBIN is an ELF file";
  EXPECT_NE(r.log.find("ptxas"), std::string::npos) << r.log;
  ASSERT_EQ(r.resources.size(), 3u) << r.log;
  for (const std::string &s : kSymbols) {
    ASSERT_TRUE(r.resources.count(s)) << s << "\n" << r.log;
    const KernelResources &k = r.resources.at(s);
    EXPECT_GT(k.registers, 0) << s;
    EXPECT_FALSE(k.spills()) << s;
    EXPECT_EQ(k.spillStores, 0) << s;
    EXPECT_EQ(k.spillLoads, 0) << s;
  }
  EXPECT_EQ(r.resources.at("ida_test_smem").staticSmem, 32 * 4);
  EXPECT_EQ(r.resources.at("ida_test_scale").staticSmem, 0);
  std::string table = formatResources(r.resources);
  EXPECT_NE(table.find("ida_test_smem"), std::string::npos) << table;
}

INSTANTIATE_TEST_SUITE_P(Archs, NvrtcArchTest,
                         ::testing::Values("sm_80", "sm_90"));

// The tile arena's status is a module variable under its plain name (what
// cuModuleGetGlobal looks up), kept although no host code references it,
// and the overflow path leaves with PTX exit rather than trap.
TEST(Nvrtc, ArenaStatusIsAnUnmangledModuleVariable) {
  NvrtcOptions options = testNvrtcOptions(makeCudaTempDir("nvrtc-arena"));
  NvrtcResult r = compileCuda(arenaKernelSource(), "compute_90", {}, options,
                              {"ida_test_arena"}, "ida_test_arena");
  ASSERT_TRUE(r.isPtx);
  EXPECT_NE(r.image.find(".global .align 8 .b8 " IDA_ARENA_STATUS_SYMBOL "[16];"),
            std::string::npos)
      << r.image.substr(0, 4000);
  EXPECT_EQ(sizeof(IdaArenaStatus), 16u);
  EXPECT_NE(r.image.find("exit;"), std::string::npos);
  // And a CUBIN without spills for the target GPU.
  NvrtcResult bin = compileCuda(arenaKernelSource(), "sm_90", {}, options,
                                {"ida_test_arena"}, "ida_test_arena");
  ASSERT_TRUE(bin.resources.count("ida_test_arena")) << bin.log;
  EXPECT_FALSE(bin.resources.at("ida_test_arena").spills());
}

TEST(Nvrtc, PtxTarget) {
  NvrtcOptions options = testNvrtcOptions(makeCudaTempDir("nvrtc-ptx"));
  NvrtcResult r = compileCuda(testKernelSource(), "compute_90", {}, options);
  EXPECT_TRUE(r.isPtx);
  EXPECT_TRUE(r.resources.empty());
  EXPECT_NE(r.image.find(".entry ida_test_scale"), std::string::npos);
}

TEST(Nvrtc, FlagsAreTheDocumentedOnes) {
  NvrtcOptions o;
  o.includeDirs = {"/opt/cuda/include"};
  auto f = nvrtcFlags("sm_90", {{"C", 64}, {"BV", 32}}, o);
  std::vector<std::string> expected = {
      "-std=c++17", "--gpu-architecture=sm_90", "-default-device",
      "-lineinfo", "--ptxas-options=-v", "--no-cache", "-I/opt/cuda/include",
      "-DIDA_CFG_BV=32", "-DIDA_CFG_C=64"};
  EXPECT_EQ(f, expected);
  o.fastMath = true;
  f = nvrtcFlags("sm_90", {}, o);
  EXPECT_NE(std::find(f.begin(), f.end(), "--use_fast_math"), f.end());
}

TEST_P(NvrtcArchTest, CubinFallbackAgreesWithPtxas) {
  std::string arch = GetParam();
  NvrtcOptions options = testNvrtcOptions(makeCudaTempDir("nvrtc-elf"));
  NvrtcResult r = compileCuda(testKernelSource(), arch, {}, options, kSymbols);
  ResourceReport fromLog = parsePtxasInfo(r.log);
  ResourceReport fromElf = cubinResources(r.image);
  ASSERT_EQ(fromElf.size(), 3u);
  for (const std::string &s : kSymbols) {
    ASSERT_TRUE(fromLog.count(s)) << r.log;
    EXPECT_EQ(fromElf.at(s).registers, fromLog.at(s).registers) << s;
    EXPECT_EQ(fromElf.at(s).stackFrame, fromLog.at(s).stackFrame) << s;
    EXPECT_EQ(fromElf.at(s).staticSmem, fromLog.at(s).staticSmem) << s;
    EXPECT_EQ(fromElf.at(s).spillStores, 0) << s;
    EXPECT_EQ(fromElf.at(s).origin, "cubin");
    EXPECT_EQ(fromLog.at(s).origin, "ptxas");
  }
  // Without a log, the binary alone answers.
  ResourceReport merged = kernelResources("", r.image);
  EXPECT_EQ(merged.at("ida_test_smem").staticSmem, 128);
  EXPECT_TRUE(cubinResources("not an elf").empty());
}

TEST(Nvrtc, SpillsAreReported) {
  NvrtcOptions options = testNvrtcOptions(makeCudaTempDir("nvrtc-spill"));
  options.extraFlags = {"--maxrregcount=32"};
  std::string source = R"(
extern "C" __global__ void ida_spilly(float *a) {
  float v[160];
  for (int i = 0; i < 160; ++i) v[i] = a[i * threadIdx.x + i];
  float s = 0;
  for (int j = 0; j < 160; ++j)
    for (int i = 0; i < 160; ++i) s += v[i] * v[(i + j) % 160];
  a[threadIdx.x] = s;
}
)";
  NvrtcResult r = compileCuda(source, "sm_90", {}, options, {"ida_spilly"});
  const KernelResources &k = r.resources.at("ida_spilly");
  EXPECT_EQ(k.origin, "ptxas");
  EXPECT_LE(k.registers, 32);
  EXPECT_GT(k.stackFrame, 0);
  EXPECT_TRUE(k.spills()) << r.log;
  // The binary knows the frame but not the spills.
  const KernelResources &e = cubinResources(r.image).at("ida_spilly");
  EXPECT_EQ(e.stackFrame, k.stackFrame);
  EXPECT_EQ(e.spillStores, -1);
}

TEST(Nvrtc, SupportedArchsIncludeAmpereAndHopper) {
  EXPECT_TRUE(nvrtcSupportsArch("sm_80"));
  EXPECT_TRUE(nvrtcSupportsArch("sm_90"));
  EXPECT_TRUE(nvrtcSupportsArch("sm_90a"));
  EXPECT_FALSE(nvrtcSupportsArch("sm_10"));
  EXPECT_FALSE(nvrtcSupportsArch("gfx90a"));
  EXPECT_NE(nvrtcIdentity().find(nvrtcVersionString()), std::string::npos);
}

TEST(Nvrtc, BadArchThrowsCompileError) {
  NvrtcOptions options = testNvrtcOptions(makeCudaTempDir("nvrtc-badarch"));
  try {
    compileCuda(testKernelSource(), "sm_10", {}, options);
    FAIL() << "expected CompileError";
  } catch (const CompileError &e) {
    EXPECT_NE(std::string(e.what()).find("does not support sm_10"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(compileCuda(testKernelSource(), "gfx90a", {}, options),
               CompileError);
}

TEST(Nvrtc, BrokenSourceThrowsWithLogAndSavedSource) {
  std::string dir = makeCudaTempDir("nvrtc-broken");
  NvrtcOptions options = testNvrtcOptions(dir);
  std::string source = testKernelSource() +
                       "\nextern \"C\" __global__ void ida_broken(IdaKernelArgs a) "
                       "{ ida_no_such_identifier_42 = 1; }\n";
  try {
    compileCuda(source, "sm_90", {{"SCALE", 5}}, options, {}, "broken_kernel",
                "bundle/kernels/broken_kernel.cu");
    FAIL() << "expected CompileError";
  } catch (const CompileError &e) {
    std::string what = e.what();
    // The NVRTC log, both in the message and on its own.
    EXPECT_NE(what.find("ida_no_such_identifier_42"), std::string::npos) << what;
    EXPECT_NE(what.find("NVRTC log"), std::string::npos) << what;
    EXPECT_NE(e.log().find("ida_no_such_identifier_42"), std::string::npos);
    EXPECT_NE(e.log().find("broken_kernel.cu"), std::string::npos) << e.log();
    // The saved source: under <cache>/cuda/failed, named in the message.
    ASSERT_FALSE(e.sourcePath().empty());
    EXPECT_EQ(e.sourcePath().rfind(dir + "/cuda/failed/", 0), 0u)
        << e.sourcePath();
    EXPECT_NE(what.find(e.sourcePath()), std::string::npos) << what;
    EXPECT_EQ(readFile(e.sourcePath()), source);
    std::string logPath =
        e.sourcePath().substr(0, e.sourcePath().size() - 3) + ".log";
    EXPECT_NE(readFile(logPath).find("-DIDA_CFG_SCALE=5"), std::string::npos);
    EXPECT_NE(what.find("bundle/kernels/broken_kernel.cu"), std::string::npos);
    EXPECT_NE(what.find("sm_90"), std::string::npos);
  }
}

TEST(Nvrtc, MissingSymbolIsACompileError) {
  NvrtcOptions options = testNvrtcOptions(makeCudaTempDir("nvrtc-symbol"));
  try {
    compileCuda(testKernelSource(), "sm_80", {}, options,
                {"ida_test_scale", "ida_not_a_kernel"});
    FAIL() << "expected CompileError";
  } catch (const CompileError &e) {
    EXPECT_NE(std::string(e.what()).find("ida_not_a_kernel"), std::string::npos)
        << e.what();
  }
}

TEST(Nvrtc, MissingToolkitHeadersGiveAHint) {
  NvrtcOptions options = testNvrtcOptions(makeCudaTempDir("nvrtc-noinc"));
  options.includeDirs = {"/nonexistent/cuda/include"};
  try {
    compileCuda(testKernelSource(), "sm_80", {}, options);
    FAIL() << "expected CompileError";
  } catch (const CompileError &e) {
    std::string what = e.what();
    EXPECT_NE(what.find("cuda_bf16.h"), std::string::npos) << what;
    EXPECT_NE(what.find("IDA_CUDA_INCLUDE"), std::string::npos) << what;
  }
}

TEST(Nvrtc, BuiltinStdintServesTheAbiHeader) {
  NvrtcOptions options = testNvrtcOptions(makeCudaTempDir("nvrtc-stdint"));
  options.includeDirs.clear(); // no toolkit headers needed for this one
  std::string source = "#include <stdint.h>\n#include <stddef.h>\n"
                       "extern \"C\" __global__ void k(int64_t *p, size_t n) "
                       "{ uint8_t b = 1; if (threadIdx.x < n) p[0] = INT64_MAX - b; }\n";
  NvrtcResult r = compileCuda(source, "sm_80", {}, options, {"k"});
  std::string flags;
  for (const std::string &f : nvrtcFlags("sm_80", {}, options))
    flags += f + " ";
  EXPECT_TRUE(r.resources.count("k"))
      << "nvrtc " << nvrtcIdentity() << "\nflags: " << flags << "\nlog ("
      << r.log.size() << " bytes):\n" << r.log;
}

TEST(NvrtcCache, SecondBuildHitsTheDiskWithoutNvrtc) {
  std::string dir = makeCudaTempDir("nvrtc-cache");
  NvrtcCompiler compiler(testNvrtcOptions(dir));
  NvrtcCompiler::clearMemoryCache();
  NvrtcCompiler::resetStats();
  KernelBuildRequest request = testRequest();

  auto first = compiler.build(request, "sm_90");
  EXPECT_EQ(NvrtcCompiler::stats().nvrtcRuns, 1u);
  EXPECT_EQ(NvrtcCompiler::stats().diskHits, 0u);
  EXPECT_EQ(first->key.size(), 64u);
  EXPECT_EQ(first->path, dir + "/cuda/" + first->key + ".cubin");
  EXPECT_TRUE(fs::exists(first->path));
  EXPECT_TRUE(fs::exists(dir + "/cuda/" + first->key + ".info"));

  // Same process: the memo.
  auto again = compiler.build(request, "sm_90");
  EXPECT_EQ(again.get(), first.get());
  EXPECT_EQ(NvrtcCompiler::stats().memoryHits, 1u);

  // A "new process": only the disk.
  NvrtcCompiler::clearMemoryCache();
  NvrtcCompiler other(testNvrtcOptions(dir));
  auto second = other.build(request, "sm_90");
  EXPECT_EQ(NvrtcCompiler::stats().nvrtcRuns, 1u) << "no NVRTC call on a hit";
  EXPECT_EQ(NvrtcCompiler::stats().diskHits, 1u);
  EXPECT_EQ(second->key, first->key);
  EXPECT_EQ(second->result.image, first->result.image);
  ASSERT_EQ(second->result.resources.size(), 3u) << "resources survive a hit";
  EXPECT_EQ(second->result.resources.at("ida_test_smem").staticSmem, 128);
  EXPECT_EQ(second->result.resources.at("ida_test_scale").registers,
            first->result.resources.at("ida_test_scale").registers);
}

TEST(NvrtcCache, KeysSeparateConfigArchSourceAndOptions) {
  NvrtcCompiler compiler(testNvrtcOptions(makeCudaTempDir("nvrtc-keys")));
  std::string src = testKernelSource();
  std::string base = compiler.cacheKey(src, "sm_90", {{"SCALE", 3}});
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(base, compiler.cacheKey(src, "sm_90", {{"SCALE", 3}}));
  EXPECT_NE(base, compiler.cacheKey(src, "sm_90", {{"SCALE", 4}}));
  EXPECT_NE(base, compiler.cacheKey(src, "sm_90", {}));
  EXPECT_NE(base, compiler.cacheKey(src, "sm_80", {{"SCALE", 3}}));
  EXPECT_NE(base, compiler.cacheKey(src, "sm_90a", {{"SCALE", 3}}));
  EXPECT_NE(base, compiler.cacheKey(src + " ", "sm_90", {{"SCALE", 3}}));
  NvrtcOptions fast = testNvrtcOptions(makeCudaTempDir("nvrtc-keys2"));
  fast.fastMath = true;
  EXPECT_NE(base, NvrtcCompiler(fast).cacheKey(src, "sm_90", {{"SCALE", 3}}));
  // Different keys land in different files.
  NvrtcCompiler::clearMemoryCache();
  auto a = compiler.build(testRequest({{"SCALE", 3}}), "sm_80");
  auto b = compiler.build(testRequest({{"SCALE", 4}}), "sm_80");
  EXPECT_NE(a->key, b->key);
  EXPECT_NE(a->path, b->path);
}

TEST(NvrtcCache, CorruptEntryIsRebuilt) {
  std::string dir = makeCudaTempDir("nvrtc-corrupt");
  NvrtcCompiler compiler(testNvrtcOptions(dir));
  NvrtcCompiler::clearMemoryCache();
  NvrtcCompiler::resetStats();
  KernelBuildRequest request = testRequest();
  auto first = compiler.build(request, "sm_80");
  std::string good = first->result.image;

  // A truncated / garbage binary.
  writeFileAtomic(first->path, "not a cubin");
  NvrtcCompiler::clearMemoryCache();
  auto rebuilt = compiler.build(request, "sm_80");
  EXPECT_EQ(NvrtcCompiler::stats().rebuilds, 1u);
  EXPECT_EQ(NvrtcCompiler::stats().nvrtcRuns, 2u);
  EXPECT_EQ(readFile(rebuilt->path).substr(0, 4), "\x7f" "ELF");

  // A malformed .info.
  writeFileAtomic(dir + "/cuda/" + first->key + ".info", "garbage");
  NvrtcCompiler::clearMemoryCache();
  compiler.build(request, "sm_80");
  EXPECT_EQ(NvrtcCompiler::stats().rebuilds, 2u);
  EXPECT_EQ(NvrtcCompiler::stats().nvrtcRuns, 3u);

  // Healthy again: a hit.
  NvrtcCompiler::clearMemoryCache();
  compiler.build(request, "sm_80");
  EXPECT_EQ(NvrtcCompiler::stats().nvrtcRuns, 3u);
  EXPECT_EQ(NvrtcCompiler::stats().diskHits, 1u);
}

TEST(NvrtcCache, FailedBuildThrowsAndCachesNothing) {
  std::string dir = makeCudaTempDir("nvrtc-cachefail");
  NvrtcCompiler compiler(testNvrtcOptions(dir));
  KernelBuildRequest request = testRequest();
  request.source += "\nint ida_syntax_error(;\n";
  EXPECT_THROW(compiler.build(request, "sm_80"), CompileError);
  std::string key = compiler.cacheKey(request, "sm_80");
  EXPECT_FALSE(fs::exists(dir + "/cuda/" + key + ".cubin"));
  EXPECT_TRUE(fs::exists(dir + "/cuda/failed/" + key + ".cu"));
}

//===----------------------------------------------------------------------===//
// The ptxas report parser, on fixed logs
//===----------------------------------------------------------------------===//

TEST(PtxasInfo, ParsesEntriesCalleesAndSpills) {
  const char *log =
      "k.cu(3): warning #177-D: variable \"q\" was declared but never referenced\n"
      "ptxas info    : 0 bytes gmem\n"
      "ptxas info    : Function properties for _Z6helperPf\n"
      "ptxas         .     48 bytes stack frame, 8 bytes spill stores, 8 bytes spill loads\n"
      "ptxas info    : Compiling entry function 'big' for 'sm_90'\n"
      "ptxas info    : Function properties for big\n"
      "ptxas         .     64 bytes stack frame, 40 bytes spill stores, 36 bytes spill loads\n"
      "ptxas info    : Used 255 registers, used 1 barriers, 64 bytes cumulative stack size, 16384 bytes smem, 368 bytes cmem[0]\n"
      "ptxas info    : Compile time = 10.904 ms\n"
      "ptxas info    : Compiling entry function 'small' for 'sm_80'\n"
      "ptxas info    : Function properties for _Z6helperPf\n"
      "ptxas         .     48 bytes stack frame, 8 bytes spill stores, 8 bytes spill loads\n"
      "ptxas info    : Function properties for small\n"
      "ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
      "ptxas info    : Used 12 registers, 360 bytes cmem[0]\n";
  ResourceReport r = parsePtxasInfo(log);
  ASSERT_EQ(r.size(), 2u);
  const KernelResources &big = r.at("big");
  EXPECT_EQ(big.registers, 255);
  EXPECT_EQ(big.barriers, 1);
  EXPECT_EQ(big.staticSmem, 16384);
  EXPECT_EQ(big.stackFrame, 64);
  EXPECT_EQ(big.spillStores, 40);
  EXPECT_EQ(big.spillLoads, 36);
  EXPECT_EQ(big.cumulativeStack, 64);
  EXPECT_EQ(big.constantMem, 368);
  EXPECT_TRUE(big.spills());
  const KernelResources &small = r.at("small");
  EXPECT_EQ(small.registers, 12);
  EXPECT_EQ(small.barriers, -1);
  EXPECT_EQ(small.staticSmem, 0);
  EXPECT_FALSE(small.spills()) << "the callee's spills are not the kernel's";
  EXPECT_EQ(small.constantMem, 360);
}

TEST(PtxasInfo, EmptyAndUnrelatedLogs) {
  EXPECT_TRUE(parsePtxasInfo("").empty());
  EXPECT_TRUE(parsePtxasInfo("k.cu(1): error: expected a ';'\n").empty());
  ResourceReport r = parsePtxasInfo(
      "ptxas info    : Compiling entry function 'k' for 'sm_90'\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.at("k").registers, -1);
}

} // namespace
} // namespace ida

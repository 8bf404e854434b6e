//===- tests/unit/runtime/LauncherTest.cpp - end-to-end CPU launches ------===//
//
// Runs the fixture bundle (a two-program scaled cumsum with a workspace and
// two configurations) through the launcher on random data, and checks the
// argument errors and configuration choice. Compiled kernels are shared
// through the disk cache that ctest points IDA_CACHE_DIR at.
//
//===----------------------------------------------------------------------===//

#include "runtime/backend/cpu/CpuDevice.h"
#include "runtime/launcher/Launcher.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "tests/unit/runtime/Fixture.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

using namespace ida;

namespace {

#define EXPECT_CONTAINS(text, part)                                            \
  EXPECT_NE(std::string(text).find(part), std::string::npos)                   \
      << "message: " << (text) << "\nexpected to contain: " << (part)

Launcher &launcher() {
  static Launcher l(Bundle::load(test::cumsumBundleDir()),
                    std::make_shared<CpuDevice>(HostCompilerOptions::fromEnv(), 2));
  return l;
}

struct Inputs {
  Tensor x, scale, y0;
};

Inputs makeInputs(int64_t B, int64_t T, unsigned seed) {
  std::mt19937 rng(seed);
  return {test::randomTensor(rng, {B, T, 4}), test::randomTensor(rng, {4}),
          test::randomTensor(rng, {B, 4})};
}

/// Runs forward and checks y against the double reference.
void expectMatches(const Inputs &in, bool withY0, const RunOptions &opts = {}) {
  InputRefs refs{{"x", &in.x}, {"scale", &in.scale}};
  if (withY0)
    refs["y0"] = &in.y0;
  TensorMap out = launcher().run("forward", refs, opts);
  const Tensor &y = out.at("y");
  ASSERT_EQ(y.shape(), in.x.shape());
  auto want = test::referenceCumsum(in.x, in.scale, withY0 ? &in.y0 : nullptr);
  EXPECT_LT(test::maxAbsDiff(y.toDoubles(), want), 1e-4)
      << "T=" << in.x.dim(1) << " config " << opts.forcedConfig.size();
}

std::string argumentError(const InputRefs &refs) {
  try {
    launcher().run("forward", refs);
  } catch (const ArgumentError &e) {
    return e.what();
  }
  return "<no error>";
}

KernelBuildRequest cumsumRequest(Config config = {{"C", 16}, {"BV", 1}}) {
  KernelBuildRequest r;
  r.kernelName = "cumsum";
  r.source = test::cumsumSource();
  r.sourcePath = test::cumsumBundleDir() + "/kernels/cumsum.cpp";
  r.config = std::move(config);
  r.symbols = {"ida_cumsum_chunks", "ida_cumsum_out"};
  return r;
}

HostCompilerOptions freshCache(const std::string &name) {
  HostCompilerOptions o = HostCompilerOptions::fromEnv();
  o.cacheDir = test::makeTempDir(name);
  return o;
}

} // namespace

TEST(Launcher, MatchesDirectComputation) {
  Inputs in = makeInputs(3, 50, 1);
  expectMatches(in, /*withY0=*/true);
  expectMatches(in, /*withY0=*/false);
  const auto &choices = launcher().lastChoices();
  ASSERT_EQ(choices.size(), 1u);
  EXPECT_EQ(choices[0].origin, "default");
  EXPECT_EQ(choices[0].config, (Config{{"C", 16}, {"BV", 1}}));
}

TEST(Launcher, RaggedLengthsBothConfigs) {
  for (Config c : {Config{{"C", 16}, {"BV", 1}}, Config{{"C", 7}, {"BV", 2}}})
    for (int64_t T : {1, 6, 7, 8, 15, 16, 17, 33, 101}) {
      RunOptions opts;
      opts.forcedConfig = c;
      expectMatches(makeInputs(2, T, unsigned(T)), T % 2 == 0, opts);
    }
}

TEST(Launcher, EmptySequenceLaunchesNothing) {
  Inputs in = makeInputs(2, 0, 3);
  TensorMap out = launcher().run("forward", InputRefs{{"x", &in.x}, {"scale", &in.scale}});
  EXPECT_EQ(out.at("y").shape(), (Shape{2, 0, 4}));
  EXPECT_EQ(out.at("cfg").data<int64_t>()[0], 0); // the grid was empty
}

TEST(Launcher, ForcedConfigChangesTheCompiledVariant) {
  Inputs in = makeInputs(2, 20, 4);
  InputRefs refs{{"x", &in.x}, {"scale", &in.scale}};
  TensorMap def = launcher().run("forward", refs);
  EXPECT_EQ(def.at("cfg").toDoubles(), (std::vector<double>{16, 1}));
  std::string defaultKey = launcher().lastChoices()[0].cacheKey;

  RunOptions opts;
  opts.forcedConfig = {{"C", 7}, {"BV", 2}};
  TensorMap forced = launcher().run("forward", refs, opts);
  EXPECT_EQ(forced.at("cfg").toDoubles(), (std::vector<double>{7, 2}));
  EXPECT_EQ(launcher().lastChoices()[0].origin, "forced");
  EXPECT_NE(launcher().lastChoices()[0].cacheKey, defaultKey);
  EXPECT_LT(test::maxAbsDiff(forced.at("y").toDoubles(), def.at("y").toDoubles()),
            1e-4);

  // Per-kernel spelling; unspecified keys keep their default.
  opts.forcedConfig = {{"cumsum.C", 7}};
  EXPECT_EQ(launcher().run("forward", refs, opts).at("cfg").toDoubles(),
            (std::vector<double>{7, 1}));

  // IDA_CONFIG applies unless a per-call value overrides it.
  ::setenv("IDA_CONFIG", "BV=2", 1);
  EXPECT_EQ(launcher().run("forward", refs).at("cfg").toDoubles(),
            (std::vector<double>{16, 2}));
  EXPECT_EQ(launcher().lastChoices()[0].origin, "IDA_CONFIG");
  opts.forcedConfig = {{"BV", 1}};
  EXPECT_EQ(launcher().run("forward", refs, opts).at("cfg").toDoubles(),
            (std::vector<double>{16, 1}));
  ::unsetenv("IDA_CONFIG");
}

TEST(Launcher, UnknownConfigKeysAreErrors) {
  Inputs in = makeInputs(1, 5, 5);
  InputRefs refs{{"x", &in.x}, {"scale", &in.scale}};
  RunOptions opts;
  opts.forcedConfig = {{"NUM_WARPS", 4}};
  try {
    launcher().run("forward", refs, opts);
    FAIL();
  } catch (const ConfigError &e) {
    EXPECT_STREQ(e.what(), "forced configuration: 'NUM_WARPS' is not a tuning "
                           "key of any kernel of entry 'forward' (keys: BV, C)");
  }
  opts.forcedConfig = {{"scan.C", 4}};
  EXPECT_THROW(launcher().run("forward", refs, opts), ConfigError);
  ::setenv("IDA_CONFIG", "C:3", 1);
  try {
    launcher().run("forward", refs);
    FAIL();
  } catch (const ConfigError &e) {
    EXPECT_CONTAINS(e.what(), "IDA_CONFIG: bad configuration item 'C:3'");
  }
  ::unsetenv("IDA_CONFIG");
}

namespace {
struct FixedSelector : ConfigSelector {
  int calls = 0;
  std::optional<Config> select(const SelectionContext &ctx) override {
    ++calls;
    EXPECT_EQ(ctx.kernel.name, "cumsum");
    EXPECT_EQ(ctx.dims.at("T"), 9);
    EXPECT_EQ(ctx.dims.at("H"), 4);
    return Config{{"C", 7}, {"BV", 2}};
  }
};
} // namespace

TEST(Launcher, ConfigSelectorHook) {
  Launcher l(Bundle::load(test::cumsumBundleDir()),
             std::make_shared<CpuDevice>(HostCompilerOptions::fromEnv(), 1));
  auto selector = std::make_shared<FixedSelector>();
  l.setConfigSelector(selector);
  Inputs in = makeInputs(1, 9, 6);
  TensorMap out = l.run("forward", InputRefs{{"x", &in.x}, {"scale", &in.scale}});
  EXPECT_EQ(selector->calls, 1);
  EXPECT_EQ(out.at("cfg").toDoubles(), (std::vector<double>{7, 2}));
  EXPECT_EQ(l.lastChoices()[0].origin, "selector");
}

TEST(Launcher, ArgumentErrorsNameTheArgumentAndShape) {
  Inputs in = makeInputs(2, 100, 7);
  Tensor x64 = in.x.to(DType::F64);
  Tensor xBad(DType::F32, {2, 100, 5});
  Tensor xRank(DType::F32, {2, 100});
  Tensor scaleBad(DType::F32, {5});
  Tensor y0Bad(DType::F32, {3, 4});

  EXPECT_EQ(argumentError({{"scale", &in.scale}}),
            "missing input 'x' of entry 'forward' (expected f32 [B, T, H])");
  EXPECT_EQ(argumentError({{"x", &x64}, {"scale", &in.scale}}),
            "input 'x': expected dtype f32, got f64 (shape [B, T, H])");
  EXPECT_EQ(argumentError({{"x", &xBad}, {"scale", &in.scale}}),
            "input 'x': expected shape [B, T, H] (B=2, T=100 from 'x', H=4 "
            "static), got [2, 100, 5]");
  EXPECT_EQ(argumentError({{"x", &xRank}, {"scale", &in.scale}}),
            "input 'x': expected shape [B, T, H] (H=4 static), got [2, 100]");
  EXPECT_EQ(argumentError({{"x", &in.x}, {"scale", &scaleBad}}),
            "input 'scale': expected shape [H] (H=4 static), got [5]");
  EXPECT_EQ(argumentError({{"x", &in.x}, {"scale", &in.scale}, {"y0", &y0Bad}}),
            "input 'y0': expected shape [B, H] (B=2 from 'x', H=4 static), got "
            "[3, 4]");
  EXPECT_EQ(argumentError({{"x", &in.x}, {"scale", &in.scale}, {"z", &in.y0}}),
            "entry 'forward' has no input 'z' (inputs: x, scale, y0)");
  EXPECT_EQ(argumentError({{"x", &in.x}, {"scale", &in.scale}, {"y", &in.x}}),
            "entry 'forward' has no input 'y'; it is an output (inputs: x, "
            "scale, y0)");
  try {
    launcher().run("backward", InputRefs{});
    FAIL();
  } catch (const ManifestError &e) {
    EXPECT_STREQ(e.what(), "bundle has no entry 'backward' (entries: forward)");
  }
}

TEST(Launcher, DynamicHeadsBoundFromInputs) {
  // Without "static": {"H": 4}, H is bound from x like B and T, so the same
  // kernel source runs with 3 heads (and borrowed input memory).
  std::string manifest = test::cumsumManifest();
  size_t at = manifest.find("\"static\": {\"H\": 4},");
  ASSERT_NE(at, std::string::npos);
  manifest.erase(at, std::string("\"static\": {\"H\": 4},").size());
  Launcher l(Bundle::fromMemory(manifest, {{"kernels/cumsum.cpp", test::cumsumSource()}}),
             std::make_shared<CpuDevice>(HostCompilerOptions::fromEnv(), 2));
  std::mt19937 rng(9);
  Tensor x = test::randomTensor(rng, {2, 13, 3});
  std::vector<float> scaleData = {0.5f, -1.0f, 2.0f};
  Tensor scale = Tensor::view(scaleData.data(), DType::F32, {3});
  TensorMap out = l.run("forward", InputRefs{{"x", &x}, {"scale", &scale}});
  EXPECT_LT(test::maxAbsDiff(out.at("y").toDoubles(),
                             test::referenceCumsum(x, scale, nullptr)),
            1e-4);
  Tensor scaleBad(DType::F32, {4});
  try {
    l.run("forward", InputRefs{{"x", &x}, {"scale", &scaleBad}});
    FAIL();
  } catch (const ArgumentError &e) {
    EXPECT_STREQ(e.what(), "input 'scale': expected shape [H] (H=3 from 'x'), "
                           "got [4]");
  }
}

TEST(HostCompiler, SecondLoadHitsTheDiskCache) {
  HostCompilerOptions opts = freshCache("cold");
  HostCompiler::resetStats();
  {
    CpuDevice dev(opts, 1);
    dev.compile(cumsumRequest());
  }
  EXPECT_EQ(HostCompiler::stats().compilerRuns, 1u);
  EXPECT_EQ(HostCompiler::stats().diskHits, 0u);

  // Same process: the memo answers without touching the disk.
  CpuDevice dev2(opts, 1);
  auto k = dev2.compile(cumsumRequest());
  EXPECT_EQ(HostCompiler::stats().memoryHits, 1u);

  // A "new process" (memo cleared): loaded from disk, no compiler run.
  HostCompiler::clearMemoryCache();
  auto k2 = CpuDevice(opts, 1).compile(cumsumRequest());
  EXPECT_EQ(HostCompiler::stats().compilerRuns, 1u);
  EXPECT_EQ(HostCompiler::stats().diskHits, 1u);
  EXPECT_EQ(k2->cacheKey(), k->cacheKey());
  EXPECT_EQ(k2->binaryPath(), opts.cacheDir + "/cpu/" + k->cacheKey() + ".so");
  EXPECT_TRUE(std::filesystem::exists(opts.cacheDir + "/cpu/" + k->cacheKey() + ".cpp"));

  // Another configuration is another binary.
  HostCompiler hc(opts);
  EXPECT_NE(hc.cacheKey(cumsumRequest({{"C", 7}, {"BV", 2}})), k->cacheKey());
  KernelBuildRequest edited = cumsumRequest();
  edited.source += "\n// edited\n";
  EXPECT_NE(hc.cacheKey(edited), k->cacheKey());
}

TEST(HostCompiler, CorruptCacheEntryIsRebuilt) {
  HostCompilerOptions opts = freshCache("corrupt");
  HostCompiler hc(opts);
  KernelBuildRequest req = cumsumRequest({{"C", 5}, {"BV", 1}});
  std::string so = hc.binaryDir() + "/" + hc.cacheKey(req) + ".so";
  writeFileAtomic(so, "this is not an ELF file");
  HostCompiler::resetStats();
  auto bin = hc.build(req);
  EXPECT_EQ(HostCompiler::stats().rebuilds, 1u);
  EXPECT_EQ(HostCompiler::stats().compilerRuns, 1u);
  ASSERT_EQ(bin->programs.size(), 2u);
  EXPECT_GT(std::filesystem::file_size(so), 1000u);

  // The rebuilt binary works: run the C=5 variant through a launcher that
  // uses this cache.
  Launcher l(Bundle::load(test::cumsumBundleDir()), std::make_shared<CpuDevice>(opts, 1));
  Inputs in = makeInputs(1, 12, 8);
  RunOptions ro;
  ro.forcedConfig = {{"C", 5}};
  TensorMap out = l.run("forward", InputRefs{{"x", &in.x}, {"scale", &in.scale}}, ro);
  EXPECT_LT(test::maxAbsDiff(out.at("y").toDoubles(),
                             test::referenceCumsum(in.x, in.scale, nullptr)),
            1e-4);
  EXPECT_EQ(out.at("cfg").toDoubles(), (std::vector<double>{5, 1}));
}

TEST(HostCompiler, BrokenSourceReportsLogAndSavedSource) {
  HostCompilerOptions opts = freshCache("broken");
  KernelBuildRequest req = cumsumRequest();
  req.kernelName = "broken";
  req.sourcePath = "bundle/kernels/broken.cpp";
  req.source = "extern \"C\" void ida_broken(int) { this is not C++; }\n";
  try {
    HostCompiler(opts).build(req);
    FAIL() << "expected CompileError";
  } catch (const CompileError &e) {
    std::string msg = e.what();
    EXPECT_CONTAINS(msg, "compiling kernel 'broken' [BV=1,C=16] for cpu failed");
    EXPECT_CONTAINS(msg, "bundle source: bundle/kernels/broken.cpp");
    EXPECT_CONTAINS(msg, "saved source: " + e.sourcePath());
    EXPECT_CONTAINS(msg, "error");
    EXPECT_CONTAINS(e.log(), "error");
    EXPECT_CONTAINS(msg, e.log());
    EXPECT_EQ(readFile(e.sourcePath()), req.source);
    EXPECT_TRUE(std::filesystem::exists(
        e.sourcePath().substr(0, e.sourcePath().size() - 4) + ".log"));
  }
}

TEST(HostCompiler, MissingProgramSymbolIsReported) {
  HostCompilerOptions opts = freshCache("nosym");
  KernelBuildRequest req = cumsumRequest();
  req.symbols.push_back("ida_cumsum_missing");
  try {
    HostCompiler(opts).build(req);
    FAIL();
  } catch (const CompileError &e) {
    EXPECT_CONTAINS(e.what(), "compiled but cannot be used: it has no program "
                              "symbol 'ida_cumsum_missing'");
  }
}

TEST(Device, FactoryTargets) {
  EXPECT_EQ(makeDevice("cpu")->target(), Target::Cpu);
  // Where a CUDA backend and GPU exist these give the GPU; elsewhere "cuda"
  // is a clear UnavailableError and "auto" the CPU.
  try {
    EXPECT_EQ(makeDevice("cuda")->target(), Target::Cuda);
    EXPECT_EQ(makeDevice("auto")->target(), Target::Cuda);
  } catch (const UnavailableError &e) {
    EXPECT_CONTAINS(std::string(e.what()), "CUDA");
    EXPECT_EQ(makeDevice("auto")->target(), Target::Cpu);
  }
  EXPECT_THROW(makeDevice("tpu"), Error);
  // A CPU-only bundle runs on the CPU under "auto", even next to a GPU.
  auto bundle = Bundle::load(test::cumsumBundleDir());
  EXPECT_EQ(resolveTarget(*bundle, "forward", "auto"), "cpu");
  EXPECT_EQ(resolveTarget(*bundle, "", "auto"), "cpu");
  EXPECT_EQ(resolveTarget(*bundle, "forward", "cuda"), "cuda");
  EXPECT_EQ(Launcher::open(test::cumsumBundleDir(), "auto").device().target(),
            Target::Cpu);
  auto dev = makeDevice("cpu");
  EXPECT_EQ(dev->name().rfind("cpu: ", 0), 0u);
  DeviceBuffer buf = dev->allocate(100);
  dev->fillZero(buf.get(), 100);
  EXPECT_EQ(static_cast<unsigned char *>(buf.get())[99], 0);
}

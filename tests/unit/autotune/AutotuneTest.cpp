//===- tests/unit/autotune/AutotuneTest.cpp - the autotuner on the CPU ----===//
//
// Uses the hand-written bundle in fixtures/tunable: a chunked scan whose
// tuning space holds a configuration that does not compile (C=5), one that
// computes a wrong answer (BAD=1), and a key the CPU never uses (NUM_WARPS).
// Binaries are shared through ctest's IDA_CACHE_DIR; tuning records go to a
// fresh directory per test.
//
//===----------------------------------------------------------------------===//

#include "runtime/autotune/Autotuner.h"
#include "runtime/autotune/TuningRecords.h"
#include "runtime/backend/cpu/CpuDevice.h"
#include "runtime/launcher/Launcher.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "tests/unit/runtime/Fixture.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

using namespace ida;
using namespace ida::autotune;
namespace fs = std::filesystem;

namespace {

#define EXPECT_CONTAINS(text, part)                                            \
  EXPECT_NE(std::string(text).find(part), std::string::npos)                   \
      << "text: " << (text) << "\nexpected to contain: " << (part)

const std::string kFixture =
    std::string(IDA_SOURCE_DIR) + "/tests/unit/autotune/fixtures/tunable";

std::string fixtureSource() {
  std::string text = readFile(kFixture + "/kernels/scan.cpp.in");
  std::string abi =
      readFile(std::string(IDA_SOURCE_DIR) + "/templates/common/ida_abi.h");
  const std::string marker = "// @IDA_ABI@";
  return text.replace(text.find(marker), marker.size(), abi);
}

const std::string &bundleDir() {
  static const std::string dir = [] {
    std::string d = test::makeTempDir("tunable");
    writeFileAtomic(d + "/manifest.json", readFile(kFixture + "/manifest.json"));
    writeFileAtomic(d + "/kernels/scan.cpp", fixtureSource());
    return d;
  }();
  return dir;
}

std::shared_ptr<const Bundle> bundle() {
  static std::shared_ptr<const Bundle> b = Bundle::load(bundleDir());
  return b;
}

const KernelSpec &scanKernel() { return bundle()->manifest().kernel("scan"); }

std::shared_ptr<CpuDevice> cpu(int threads = 2) {
  return std::make_shared<CpuDevice>(HostCompilerOptions::fromEnv(), threads);
}

TunerOptions fastOptions(const std::string &cacheDir) {
  TunerOptions o;
  o.cacheDir = cacheDir;
  o.warmup = 1;
  o.minRepeats = 3;
  o.maxRepeats = 5;
  o.budgetMs = 5;
  return o;
}

Bindings dims(int64_t B, int64_t T, int64_t H) {
  return Bindings{{"B", B}, {"T", T}, {"H", H}};
}

const Candidate *findCandidate(const TuneReport &r, const Config &c) {
  for (const Candidate &x : r.candidates)
    if (x.config == c)
      return &x;
  return nullptr;
}

Config cfg(int64_t C, int64_t BV, int64_t W, int64_t bad) {
  return Config{{"C", C}, {"BV", BV}, {"NUM_WARPS", W}, {"BAD", bad}};
}

std::vector<double> referenceScan(const Tensor &x) {
  int64_t B = x.dim(0), T = x.dim(1), H = x.dim(2);
  std::vector<double> xs = x.toDoubles(), y(xs.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      double run = 0;
      for (int64_t t = 0; t < T; ++t) {
        size_t i = size_t((b * T + t) * H + h);
        run += 2 * xs[i];
        y[i] = run;
      }
    }
  return y;
}

/// Counts calls and returns nothing (the manifest default).
struct CountingSelector : ConfigSelector {
  int calls = 0;
  std::optional<Config> select(const SelectionContext &) override {
    ++calls;
    return std::nullopt;
  }
};

/// Sets an environment variable for the scope of a test.
struct ScopedEnv {
  std::string name;
  ScopedEnv(const char *n, const std::string &value) : name(n) {
    ::setenv(n, value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name.c_str()); }
};

} // namespace

TEST(Autotune, SearchPrunesRejectsAndPicksAWinner) {
  auto device = cpu(2);
  Autotuner tuner(fastOptions(test::makeTempDir("records")));
  TuneReport r = tuner.tune(*bundle(), scanKernel(), dims(2, 100, 3), *device);
  ASSERT_FALSE(r.fromRecords);
  ASSERT_GE(r.winner, 0);
  EXPECT_EQ(r.bucketT, 128);
  EXPECT_EQ(r.bucketBH, 8);

  // The default comes first and is the baseline; NUM_WARPS is inert on the
  // CPU, so [16,1,8,0] collapsed into the default.
  EXPECT_EQ(r.candidates.front().config, cfg(16, 1, 4, 0));
  EXPECT_EQ(findCandidate(r, cfg(16, 1, 8, 0)), nullptr);
  const Candidate *broken = findCandidate(r, cfg(5, 1, 4, 0));
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(broken->status, "pruned");
  EXPECT_CONTAINS(broken->reason, "compile failed");
  const Candidate *wrong = findCandidate(r, cfg(8, 1, 4, 1));
  ASSERT_NE(wrong, nullptr);
  EXPECT_EQ(wrong->status, "rejected");
  EXPECT_CONTAINS(wrong->reason, "output 'y' differs from the baseline");
  for (const Config &c : {cfg(16, 1, 4, 0), cfg(8, 2, 4, 0), cfg(32, 1, 4, 0)}) {
    const Candidate *ok = findCandidate(r, c);
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(ok->status, "ok") << ok->reason;
    EXPECT_GT(ok->medianMs, 0);
    EXPECT_GE(ok->repeats, 3);
  }
  // The CPU also tried the winner with one thread.
  bool triedThreads = false;
  for (const Candidate &c : r.candidates)
    triedThreads |= c.config.count(kThreadsKey) && c.config.at(kThreadsKey) == 1;
  EXPECT_TRUE(triedThreads);
  const Config &win = r.candidates[size_t(r.winner)].config;
  EXPECT_EQ(win.at("BAD"), 0);
  ASSERT_TRUE(r.record.has_value());
  EXPECT_EQ(r.record->config, win);
  EXPECT_EQ(r.record->pruned, 1);
  EXPECT_EQ(r.record->rejected, 1);

  // The saved record keeps every trial with its reason.
  std::string problem;
  auto file = parseRecords(readFile(tuner.store(*device).path()), &problem);
  ASSERT_TRUE(file) << problem;
  const TuningRecord &saved = file->records.at(r.recordKey);
  ASSERT_EQ(saved.trials.size(), r.candidates.size());
  bool sawCompileReason = false;
  for (const TuningRecord::Trial &t : saved.trials)
    sawCompileReason |= t.status == "pruned" &&
                        t.reason.find("compile failed") != std::string::npos;
  EXPECT_TRUE(sawCompileReason);
  EXPECT_EQ(saved.config, win);
}

TEST(Autotune, SecondRunDoesNoTimingAndPicksTheSameWinner) {
  std::string dir = test::makeTempDir("records");
  auto device = cpu(2);
  Config first;
  {
    Autotuner tuner(fastOptions(dir));
    TuneReport r = tuner.tune(*bundle(), scanKernel(), dims(1, 40, 2), *device);
    ASSERT_GE(r.winner, 0);
    first = r.candidates[size_t(r.winner)].config;
    EXPECT_GT(tuner.stats().timedConfigs, 0u);
  }
  // A new tuner (as in a new process) reads the record; same bucket, other
  // sizes inside it.
  Autotuner again(fastOptions(dir));
  TuneReport r = again.tune(*bundle(), scanKernel(), dims(1, 63, 2), *device);
  EXPECT_TRUE(r.fromRecords);
  EXPECT_EQ(r.candidates[size_t(r.winner)].config, first);
  EXPECT_EQ(again.stats().timedConfigs, 0u);
  EXPECT_EQ(again.stats().searches, 0u);

  // Through the launcher: the selector answers from the record, and the
  // result is right.
  auto tuner = std::make_shared<Autotuner>(fastOptions(dir));
  Launcher launcher(bundle(), device);
  launcher.setConfigSelector(tuner);
  std::mt19937 rng(5);
  Tensor x = test::randomTensor(rng, {1, 50, 2});
  TensorMap out = launcher.run("forward", InputRefs{{"x", &x}});
  EXPECT_LT(test::maxAbsDiff(out.at("y").toDoubles(), referenceScan(x)), 1e-4);
  ASSERT_EQ(launcher.lastChoices().size(), 1u);
  EXPECT_EQ(launcher.lastChoices()[0].origin, "selector");
  EXPECT_EQ(launcher.lastChoices()[0].config, first);
  launcher.run("forward", InputRefs{{"x", &x}});
  EXPECT_EQ(tuner->stats().timedConfigs, 0u);
  EXPECT_EQ(tuner->stats().recordHits, 1u);
  EXPECT_EQ(tuner->stats().memoryHits, 1u);
}

TEST(Autotune, ADifferentBucketIsTunedSeparately) {
  std::string dir = test::makeTempDir("records");
  auto device = cpu(1);
  Autotuner tuner(fastOptions(dir));
  tuner.tune(*bundle(), scanKernel(), dims(1, 40, 2), *device);
  TuneReport r = tuner.tune(*bundle(), scanKernel(), dims(1, 65, 2), *device);
  EXPECT_FALSE(r.fromRecords);
  EXPECT_EQ(r.bucketT, 128);
  EXPECT_EQ(tuner.store(*device).records().size(), 2u);
}

TEST(Autotune, PruningRejectsConfigsOverTheLimits) {
  DeviceLimits limits;
  limits.maxThreadsPerBlock = 128; // 32*NUM_WARPS*BV
  limits.maxSmemPerBlock = 100;    // 4*C*BV bytes
  const KernelSpec &k = scanKernel();
  Bindings d = dims(2, 64, 2);
  EXPECT_FALSE(checkLimits(k, cfg(16, 1, 4, 0), d, limits));
  auto threads = checkLimits(k, cfg(8, 2, 4, 0), d, limits);
  ASSERT_TRUE(threads);
  EXPECT_CONTAINS(*threads, "launches 256 threads per block; the device allows 1 to 128");
  auto smem = checkLimits(k, cfg(32, 1, 4, 0), d, limits);
  ASSERT_TRUE(smem);
  EXPECT_CONTAINS(*smem, "needs 128 bytes of shared memory");

  // With the compiled kernel's attributes: registers and static memory.
  std::vector<ProgramResources> res(1);
  res[0].registers = 200;
  res[0].maxThreadsPerBlock = 64;
  auto regs = checkLimits(k, cfg(16, 1, 4, 0), d, limits, &res);
  ASSERT_TRUE(regs);
  EXPECT_CONTAINS(*regs, "uses 200 registers per thread, which allows at most 64");
  res[0].maxThreadsPerBlock = 0;
  limits.maxRegistersPerBlock = 65536 / 4;
  regs = checkLimits(k, cfg(16, 1, 4, 0), d, limits, &res);
  ASSERT_TRUE(regs);
  EXPECT_CONTAINS(*regs, "registers per block");
  res[0].registers = 16;
  res[0].staticSmem = 48;
  auto stat = checkLimits(k, cfg(16, 1, 4, 0), d, limits, &res);
  ASSERT_TRUE(stat);
  EXPECT_CONTAINS(*stat, "(64 dynamic + 48 static)");

  // In a search, with the limits imposed on the CPU.
  TunerOptions o = fastOptions(test::makeTempDir("records"));
  o.limits = DeviceLimits{};
  o.limits->maxThreadsPerBlock = 128;
  o.limits->maxSmemPerBlock = 100;
  o.tuneThreads = false;
  Autotuner tuner(o);
  auto device = cpu(1);
  TuneReport r = tuner.tune(*bundle(), k, d, *device);
  EXPECT_EQ(findCandidate(r, cfg(8, 2, 4, 0))->status, "pruned");
  EXPECT_EQ(findCandidate(r, cfg(32, 1, 4, 0))->status, "pruned");
  EXPECT_EQ(r.candidates[size_t(r.winner)].config, cfg(16, 1, 4, 0));
}

namespace {

/// A CPU device whose kernels behave like CUDA kernels with a tile arena of
/// 8192 * C bytes and 200000 bytes of dynamic shared memory per block: a
/// configuration that does not fit runs nothing (its blocks exit) and
/// reports ArenaOverflowError at the next checkLaunches(), as
/// CudaCompiledKernel does; one that fits reports its peak.
class ArenaLimitedDevice : public Device {
public:
  static constexpr int64_t kHave = 200000;
  explicit ArenaLimitedDevice(std::shared_ptr<CpuDevice> cpu) : cpu_(std::move(cpu)) {}

  Target target() const override { return Target::Cpu; }
  std::string name() const override { return "cpu: arena-limited test device"; }
  bool hostAccessible() const override { return true; }
  DeviceBuffer allocate(size_t bytes) override { return cpu_->allocate(bytes); }
  void copyToDevice(void *d, const void *s, size_t n) override { cpu_->copyToDevice(d, s, n); }
  void copyToHost(void *d, const void *s, size_t n) override { cpu_->copyToHost(d, s, n); }
  void fillZero(void *d, size_t n) override { cpu_->fillZero(d, n); }
  void synchronize() override { cpu_->synchronize(); }
  std::shared_ptr<CompiledKernel> compile(const KernelBuildRequest &r) override {
    return std::make_shared<Kernel>(cpu_->compile(r), r.kernelName,
                                    8192 * r.config.at("C"));
  }

protected:
  void release(void *, size_t) noexcept override {}

private:
  struct Kernel : CompiledKernel {
    Kernel(std::shared_ptr<CompiledKernel> inner, std::string name, int64_t need)
        : inner(std::move(inner)), name(std::move(name)), need(need) {}
    void launch(size_t i, const IdaKernelArgs &a, const LaunchGeometry &g) override {
      launched = true;
      if (need <= kHave)
        inner->launch(i, a, g);
    }
    size_t numPrograms() const override { return inner->numPrograms(); }
    const std::string &cacheKey() const override { return inner->cacheKey(); }
    void checkLaunches() override {
      if (!launched)
        return;
      launched = false;
      if (need > kHave)
        throw ArenaOverflowError("kernel '" + name + "': tiles need " +
                                     std::to_string(need) + " bytes",
                                 name, need, kHave);
      peak = need;
    }
    int64_t arenaPeak() const override { return peak; }
    std::shared_ptr<CompiledKernel> inner;
    std::string name;
    int64_t need, peak = -1;
    bool launched = false;
  };
  std::shared_ptr<CpuDevice> cpu_;
};

} // namespace

TEST(Autotune, ArenaOverflowIsPrunedAndTheSearchGoesOn) {
  auto device = std::make_shared<ArenaLimitedDevice>(cpu(1));
  TunerOptions o = fastOptions(test::makeTempDir("records"));
  Autotuner tuner(o);
  TuneReport r = tuner.tune(*bundle(), scanKernel(), dims(2, 100, 3), *device);
  const Candidate *big = findCandidate(r, cfg(32, 1, 4, 0));
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->status, "pruned");
  EXPECT_EQ(big->reason, "shared-memory arena: needs >= 262144 bytes, block has 200000");
  EXPECT_EQ(big->medianMs, -1);
  // The candidates after it were still evaluated as usual.
  EXPECT_EQ(findCandidate(r, cfg(5, 1, 4, 0))->status, "pruned"); // compile
  EXPECT_EQ(findCandidate(r, cfg(8, 1, 4, 1))->status, "rejected");
  const Candidate *fits = findCandidate(r, cfg(8, 2, 4, 0));
  ASSERT_NE(fits, nullptr);
  EXPECT_EQ(fits->status, "ok");
  EXPECT_EQ(fits->arenaBytes, 8192 * 8);
  ASSERT_GE(r.winner, 0);
  EXPECT_NE(r.candidates[size_t(r.winner)].config.at("C"), 32);
  ASSERT_TRUE(r.record.has_value());
  EXPECT_EQ(r.record->pruned, 2); // counted like the other pruning reasons
  bool saved = false;
  for (const TuningRecord::Trial &t : r.record->trials)
    saved |= t.status == "pruned" && t.reason.find("shared-memory arena") == 0;
  EXPECT_TRUE(saved);
}

TEST(Autotune, ArenaOverflowInARunIsAnErrorAndTheDeviceStaysUsable) {
  auto device = std::make_shared<ArenaLimitedDevice>(cpu(1));
  Launcher launcher(bundle(), device);
  std::mt19937 rng(9);
  Tensor x = test::randomTensor(rng, {1, 30, 2});
  RunOptions big;
  big.forcedConfig = {{"C", 32}};
  try {
    launcher.run("forward", InputRefs{{"x", &x}}, big);
    FAIL() << "expected ArenaOverflowError";
  } catch (const ArenaOverflowError &e) {
    EXPECT_EQ(e.kernel(), "scan");
    EXPECT_EQ(e.needBytes(), 262144);
    EXPECT_EQ(e.availableBytes(), 200000);
  }
  // The next run (same launcher, a configuration that fits) is unaffected.
  TensorMap out = launcher.run("forward", InputRefs{{"x", &x}});
  EXPECT_LT(test::maxAbsDiff(out.at("y").toDoubles(), referenceScan(x)), 1e-4);
  EXPECT_EQ(launcher.compile("scan", scanKernel().defaultConfig)->arenaPeak(), 8192 * 16);
}

TEST(Autotune, OutputCheck) {
  std::map<std::string, DType> dt{{"y", DType::F32}, {"n", DType::I64}};
  std::map<std::string, std::vector<double>> base{{"y", {1.0, -2.0, NAN}},
                                                   {"n", {3, 4}}};
  auto same = base;
  same["y"][0] += 1e-5; // within 1e-4 * 2
  EXPECT_FALSE(checkOutputs(base, same, dt, 0));
  auto off = base;
  off["y"][1] += 1e-2;
  auto why = checkOutputs(base, off, dt, 0);
  ASSERT_TRUE(why);
  EXPECT_CONTAINS(*why, "output 'y' differs from the baseline: max |diff| 0.01 at element 1");
  auto nan = base;
  nan["y"][0] = NAN;
  EXPECT_CONTAINS(*checkOutputs(base, nan, dt, 0), "non-finite");
  auto ints = base;
  ints["n"][1] = 5;
  EXPECT_CONTAINS(*checkOutputs(base, ints, dt, 0), "integer output 'n'");
  // A looser tolerance when asked.
  EXPECT_FALSE(checkOutputs(base, off, dt, 1e-2));
}

TEST(Autotune, CorruptRecordsFileIsRecovered) {
  std::string dir = test::makeTempDir("records");
  auto device = cpu(1);
  std::string path = defaultRecordsPath(dir, identifyDevice(*device));
  writeFileAtomic(path, "{ this is not json");
  Autotuner tuner(fastOptions(dir));
  TuneReport r = tuner.tune(*bundle(), scanKernel(), dims(1, 20, 2), *device);
  ASSERT_GE(r.winner, 0);
  EXPECT_FALSE(r.fromRecords);
  std::string problem;
  auto file = parseRecords(readFile(path), &problem);
  ASSERT_TRUE(file) << problem;
  EXPECT_EQ(file->records.size(), 1u);
  EXPECT_TRUE(fs::exists(path + ".corrupt"));

  // A malformed record is dropped, the rest kept.
  nlohmann::json j = nlohmann::json::parse(readFile(path));
  j["records"]["bogus@0000/T1.BH1"] = {{"kernel", 3}};
  writeFileAtomic(path, j.dump());
  file = parseRecords(readFile(path), &problem);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->records.size(), 1u);
  EXPECT_CONTAINS(problem, "record 'bogus@0000/T1.BH1' ignored");

  // A file for another device is ignored, never used.
  RecordsFile foreign = *file;
  foreign.identity.device = "cuda: Imaginary GPU (sm_99)";
  writeFileAtomic(path, serializeRecords(foreign));
  ASSERT_TRUE(parseRecords(readFile(path), &problem)); // valid, but not ours
  Autotuner other(fastOptions(dir));
  r = other.tune(*bundle(), scanKernel(), dims(1, 20, 2), *device);
  EXPECT_FALSE(r.fromRecords); // key mismatch: ignored, tuned again
  file = parseRecords(readFile(path), &problem);
  ASSERT_TRUE(file) << problem;
  EXPECT_EQ(file->identity.key(), identifyDevice(*device).key());
}

TEST(Autotune, TuningFileIsHonouredReadOnly) {
  std::string dir = test::makeTempDir("records");
  auto device = cpu(2);
  Autotuner tuner(fastOptions(dir));
  TuneReport r = tuner.tune(*bundle(), scanKernel(), dims(2, 30, 2), *device);
  ASSERT_TRUE(r.record);

  // A shared file whose winner is not what this machine would pick.
  RecordsFile shared;
  shared.identity = identifyDevice(*device);
  TuningRecord rec = *r.record;
  rec.config = cfg(32, 1, 4, 0);
  shared.records[rec.key()] = rec;
  std::string sharedPath = test::makeTempDir("shared") + "/ranks.json";
  writeFileAtomic(sharedPath, serializeRecords(shared));

  std::string emptyCache = test::makeTempDir("records");
  ScopedEnv file("IDA_TUNING_FILE", sharedPath);
  TunerOptions o = TunerOptions::fromEnv();
  EXPECT_EQ(o.tuningFile, sharedPath);
  o.cacheDir = emptyCache;
  auto ro = std::make_shared<Autotuner>(o);
  Launcher launcher(bundle(), device);
  launcher.setConfigSelector(ro);
  std::mt19937 rng(9);
  Tensor x = test::randomTensor(rng, {2, 30, 2});
  TensorMap out = launcher.run("forward", InputRefs{{"x", &x}});
  EXPECT_EQ(launcher.lastChoices()[0].config, cfg(32, 1, 4, 0));
  EXPECT_LT(test::maxAbsDiff(out.at("y").toDoubles(), referenceScan(x)), 1e-4);

  // A bucket the file lacks: the manifest default, no timing, nothing
  // written anywhere.
  Tensor longer = test::randomTensor(rng, {2, 300, 2});
  launcher.run("forward", InputRefs{{"x", &longer}});
  EXPECT_EQ(launcher.lastChoices()[0].origin, "default");
  EXPECT_EQ(ro->stats().timedConfigs, 0u);
  EXPECT_FALSE(fs::exists(emptyCache + "/tuning"));
  EXPECT_THROW(ro->tune(*bundle(), scanKernel(), dims(2, 300, 2), *device, true),
               Error);
}

TEST(Autotune, ForcedConfigsSkipTheSelector) {
  auto counting = std::make_shared<CountingSelector>();
  Launcher launcher(bundle(), cpu(1));
  launcher.setConfigSelector(counting);
  std::mt19937 rng(3);
  Tensor x = test::randomTensor(rng, {1, 10, 2});
  RunOptions opts;
  opts.forcedConfig = {{"C", 8}, {"BV", 2}, {"NUM_WARPS", 4}, {"BAD", 0}};
  launcher.run("forward", InputRefs{{"x", &x}}, opts);
  EXPECT_EQ(counting->calls, 0);
  EXPECT_EQ(launcher.lastChoices()[0].origin, "forced");
  opts.forcedConfig = {{"C", 8}};
  launcher.run("forward", InputRefs{{"x", &x}}, opts);
  EXPECT_EQ(counting->calls, 1);
}

TEST(Autotune, ThreadsIsARuntimeKey) {
  auto device = cpu(2);
  KernelBuildRequest req;
  req.kernelName = "scan";
  req.source = fixtureSource();
  req.config = cfg(16, 1, 4, 0);
  req.symbols = {"ida_tunable_scan"};
  auto plain = compileConfig(*device, req);
  req.config[kThreadsKey] = 1;
  auto one = compileConfig(*device, req);
  EXPECT_EQ(plain->cacheKey(), one->cacheKey()); // the same binary
  EXPECT_EQ(device->numThreads(), 2);            // restored

  // Through the launcher, a selected THREADS runs and gives the same result.
  struct Fixed : ConfigSelector {
    std::optional<Config> select(const SelectionContext &) override {
      Config c = cfg(8, 2, 4, 0);
      c[kThreadsKey] = 1;
      return c;
    }
  };
  Launcher launcher(bundle(), device);
  launcher.setConfigSelector(std::make_shared<Fixed>());
  std::mt19937 rng(4);
  Tensor x = test::randomTensor(rng, {3, 17, 2});
  TensorMap out = launcher.run("forward", InputRefs{{"x", &x}});
  EXPECT_LT(test::maxAbsDiff(out.at("y").toDoubles(), referenceScan(x)), 1e-4);
  EXPECT_EQ(launcher.lastChoices()[0].config.at(kThreadsKey), 1);
}

TEST(Autotune, EnvironmentControls) {
  {
    ScopedEnv off("IDA_AUTOTUNE", "0");
    EXPECT_EQ(defaultSelector(), nullptr);
    EXPECT_EQ(TunerOptions::fromEnv().mode, TunerOptions::Mode::Off);
  }
  {
    ScopedEnv bad("IDA_AUTOTUNE", "sometimes");
    EXPECT_THROW(TunerOptions::fromEnv(), Error);
  }
  {
    ScopedEnv reps("IDA_AUTOTUNE_REPEATS", "x");
    EXPECT_THROW(TunerOptions::fromEnv(), Error);
  }
  EXPECT_NE(defaultSelector(), nullptr);
  {
    // cached: records only; a miss is the default, without timing.
    ScopedEnv cached("IDA_AUTOTUNE", "cached");
    TunerOptions o = TunerOptions::fromEnv();
    EXPECT_EQ(o.mode, TunerOptions::Mode::Cached);
    o.cacheDir = test::makeTempDir("records");
    auto t = std::make_shared<Autotuner>(o);
    Launcher launcher(bundle(), cpu(1));
    launcher.setConfigSelector(t);
    std::mt19937 rng(1);
    Tensor x = test::randomTensor(rng, {1, 10, 2});
    launcher.run("forward", InputRefs{{"x", &x}});
    EXPECT_EQ(launcher.lastChoices()[0].origin, "default");
    EXPECT_EQ(t->stats().searches, 0u);
  }
  ScopedEnv print("IDA_PRINT_AUTOTUNING", "1");
  EXPECT_TRUE(TunerOptions::fromEnv().print);
}

TEST(Autotune, BucketsAndKeys) {
  EXPECT_EQ(powerOfTwoBucket(0), 0);
  EXPECT_EQ(powerOfTwoBucket(1), 1);
  EXPECT_EQ(powerOfTwoBucket(100), 128);
  EXPECT_EQ(powerOfTwoBucket(128), 128);
  std::string h = kernelHash(*bundle(), scanKernel(), "cpu");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(recordKey("scan", h, 128, 8), "scan@" + h.substr(0, 16) + "/T128.BH8");
  auto device = cpu(2);
  DeviceIdentity id = identifyDevice(*device);
  EXPECT_EQ(id.target, "cpu");
  EXPECT_EQ(id.fields.at("threads"), "2");
  EXPECT_TRUE(id.fields.count("isa") && id.fields.count("host_compiler"));
  EXPECT_NE(identifyDevice(*cpu(1)).key(), id.key());
}

TEST(Autotune, FourProcessesTuningAtOnceKeepEveryRecord) {
  std::string cache = test::makeTempDir("multi");
  std::vector<pid_t> pids;
  std::vector<std::string> envStore;
  for (char **e = environ; *e; ++e)
    if (std::string(*e).rfind("IDA_CACHE_DIR=", 0) != 0)
      envStore.push_back(*e);
  envStore.push_back("IDA_CACHE_DIR=" + cache);
  envStore.push_back("IDA_AUTOTUNE_REPEATS=3");
  envStore.push_back("IDA_AUTOTUNE_WARMUP=1");
  envStore.push_back("IDA_NUM_THREADS=1");
  std::vector<char *> envp;
  for (std::string &s : envStore)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  for (int T : {8, 16, 32, 64}) {
    std::vector<std::string> args = {IDA_TUNE_BINARY, bundleDir(), "--shape",
                                     "1," + std::to_string(T) + ",2",
                                     "--target", "cpu", "--quiet"};
    std::vector<char *> argv;
    for (std::string &a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid;
    ASSERT_EQ(posix_spawn(&pid, IDA_TUNE_BINARY, nullptr, nullptr, argv.data(),
                          envp.data()),
              0);
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::vector<fs::path> files;
  for (const auto &e : fs::directory_iterator(cache + "/tuning"))
    if (e.path().extension() == ".json")
      files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  std::string problem;
  auto file = parseRecords(readFile(files[0].string()), &problem);
  ASSERT_TRUE(file) << problem;
  EXPECT_TRUE(problem.empty()) << problem;
  ASSERT_EQ(file->records.size(), 4u);
  std::set<int64_t> buckets;
  for (const auto &[key, r] : file->records)
    buckets.insert(r.bucketT);
  EXPECT_EQ(buckets, (std::set<int64_t>{8, 16, 32, 64}));
}

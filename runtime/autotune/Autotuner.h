//===- runtime/autotune/Autotuner.h - per-device configuration search -*- C++ -*-===//
//
// The autotuner (docs/autotuning.md): a ConfigSelector that, for a kernel at
// a launch's sizes, returns the fastest correct configuration of the
// kernel's tuning space on this device, measured once per
// (device + toolchain, kernel hash, shape bucket) and remembered in the
// records of TuningRecords.h, which every process reuses.
//
// A search:
//   1. candidates: the manifest default first, then the space's rows
//      (deduplicated; rows differing only in keys the target's source and
//      launch expressions never use collapse into one);
//   2. pruning: launch expressions that cannot be evaluated, threads per
//      block / shared memory / grid over the device's limits, configs that
//      fail to compile, (CUDA) configs whose compiled register use or
//      static shared memory exceed the limits, and (CUDA, after the first
//      launch) configs whose tiles did not fit the launch's dynamic shared
//      memory ("shared-memory arena: needs >= N bytes, block has M"; the
//      blocks exit and the context survives) -- each with its reason;
//   3. output check: every survivor runs once on the same pseudo-random
//      inputs; the first valid one is the baseline and any candidate whose
//      outputs differ from it beyond the tolerance is rejected;
//   4. timing: warm-up launches, then the median of repeats (device events
//      on CUDA, a steady clock on the CPU), rotating over several input
//      sets, outputs re-zeroed outside the timed region;
//   5. CPU only: the winner is retried with fewer threads (THREADS, a
//      runtime key: not compiled in, applied as the programs' num_threads);
//      when fewer threads win, the other survivors are timed at that count
//      too.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_AUTOTUNE_AUTOTUNER_H
#define IDA_RUNTIME_AUTOTUNE_AUTOTUNER_H

#include "runtime/autotune/TuningRecords.h"
#include "runtime/backend/Device.h"
#include "runtime/launcher/ConfigSelector.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ida::autotune {

/// The runtime tuning key for the CPU thread count (never a -D macro).
inline constexpr const char *kThreadsKey = "THREADS";

/// Compiles one configuration on `device`, applying the runtime keys: THREADS
/// is removed from the build (one binary serves every thread count) and, on
/// the CPU, becomes the programs' num_threads. The launcher and the tuner
/// both build through this.
std::shared_ptr<CompiledKernel> compileConfig(Device &device,
                                              KernelBuildRequest request);

/// What a device allows one program launch; 0 means "no limit".
struct DeviceLimits {
  int64_t maxThreadsPerBlock = 0;
  int64_t maxSmemPerBlock = 0;    // bytes, dynamic + static (opt-in maximum)
  int64_t maxRegistersPerBlock = 0;
  int64_t maxGrid[3] = {0, 0, 0};
};

/// The limits of `device` (none on the CPU).
DeviceLimits deviceLimits(Device &device);

/// What the compiled binary needs per program (CUDA; unknown = -1 / 0).
struct ProgramResources {
  int registers = -1;         // per thread
  int64_t staticSmem = 0;     // bytes
  int maxThreadsPerBlock = 0; // the driver's limit for this function
};

/// Why `config` of `kernel` cannot run at `dims` under `limits`, or nullopt.
/// Without `resources` (before compiling) only the launch expressions are
/// checked; with them (one per program) also registers and static memory.
std::optional<std::string>
checkLimits(const KernelSpec &kernel, const Config &config,
            const Bindings &dims, const DeviceLimits &limits,
            const std::vector<ProgramResources> *resources = nullptr);

struct TunerOptions {
  /// IDA_AUTOTUNE: Off ("0": manifest defaults, nothing read or timed),
  /// Cached ("cached": records only, a miss uses the default), Tune ("1",
  /// the default: records, and a search on a miss).
  enum class Mode { Off, Cached, Tune } mode = Mode::Tune;
  /// Root cache directory ("" = env::cacheDir() at first use).
  std::string cacheDir;
  /// IDA_TUNING_FILE: read-only records used instead of the cache.
  std::string tuningFile;
  /// IDA_PRINT_AUTOTUNING=1: one line per search on stderr.
  bool print = false;
  int warmup = 2;       // IDA_AUTOTUNE_WARMUP
  int minRepeats = 5;   // IDA_AUTOTUNE_REPEATS (at least this many)
  int maxRepeats = 50;  // ... and at most this many,
  double budgetMs = 100; // ... stopping once this much was measured
  int inputSets = 3;    // rotating input sets
  /// Relative tolerance of the output check (<= 0: by dtype, see
  /// checkOutputs); IDA_AUTOTUNE_RTOL.
  double rtol = 0;
  /// CPU: also try the winner with fewer threads.
  bool tuneThreads = true;
  /// Overrides deviceLimits() (tests).
  std::optional<DeviceLimits> limits;
  /// Seed of the pseudo-random inputs.
  uint64_t seed = 0x1DA5EED;

  /// The above from the environment. Throws ida::Error on malformed values.
  static TunerOptions fromEnv();
};

/// One candidate of a search.
struct Candidate {
  Config config;
  /// "ok" (timed), "pruned" (limits, compile failure), "rejected" (output
  /// check), "failed" (launch error).
  std::string status;
  std::string reason;
  double medianMs = -1;
  int repeats = 0;
  /// CUDA: the tile-arena peak its launches measured (bytes of dynamic
  /// shared memory per block), -1 when unknown.
  int64_t arenaBytes = -1;
};

/// A search (or, when fromRecords, what the records say).
struct TuneReport {
  std::string kernel;
  std::string recordKey;
  std::string device;
  Bindings dims;
  int64_t bucketT = 0, bucketBH = 0;
  std::vector<Candidate> candidates;
  int winner = -1;          // index into candidates, -1: none usable
  bool fromRecords = false; // no search: the record was reused
  double seconds = 0;
  std::optional<TuningRecord> record;
};

/// Counters for tests and logs.
struct TunerStats {
  uint64_t searches = 0;      // searches run
  uint64_t timedConfigs = 0;  // candidates timed
  uint64_t recordHits = 0;    // answered from a records file
  uint64_t memoryHits = 0;    // answered from this tuner's memory
};

/// Compares candidate outputs with the baseline's: floating buffers pass
/// when max|a - b| <= rtol * (max|baseline| + 1e-3) (rtol by dtype when
/// <= 0: f64 1e-6, f32 1e-4, bf16/f16 2e-2); positions where the baseline
/// is not finite are skipped, a non-finite candidate value where the
/// baseline is finite fails; integer buffers must match exactly. Returns the reason of the
/// first mismatch, or nullopt.
std::optional<std::string>
checkOutputs(const std::map<std::string, std::vector<double>> &baseline,
             const std::map<std::string, std::vector<double>> &candidate,
             const std::map<std::string, DType> &dtypes, double rtol);

class Autotuner : public ConfigSelector {
public:
  explicit Autotuner(TunerOptions options = TunerOptions::fromEnv());

  /// The launcher's hook: the tuned configuration for this launch, or
  /// nullopt (manifest default) when autotuning is off, the kernel has
  /// nothing to choose, the sizes are empty or nothing usable was found.
  std::optional<Config> select(const SelectionContext &context) override;

  /// The record for (kernel, bucket of dims) if there is one and `retune`
  /// is false, else a search (whose record is saved unless the store is
  /// read-only or the mode is not Tune). ida-tune's entry point.
  TuneReport tune(const Bundle &bundle, const KernelSpec &kernel,
                  const Bindings &dims, Device &device, bool retune = false);

  /// The records store of `device` (IDA_TUNING_FILE or the cache file).
  RecordStore &store(Device &device);

  const TunerOptions &options() const { return options_; }
  TunerStats stats() const;

private:
  TuneReport search(const Bundle &bundle, const KernelSpec &kernel,
                    const Bindings &dims, Device &device);
  /// The record's configuration if it is usable with this kernel's space.
  std::optional<Config> usable(const TuningRecord &record,
                               const KernelSpec &kernel) const;

  TunerOptions options_;
  mutable std::recursive_mutex mutex_;
  std::map<std::string, std::unique_ptr<RecordStore>> stores_; // by path
  /// (store path, record key) -> configuration (nullopt: default).
  std::map<std::pair<std::string, std::string>, std::optional<Config>> memo_;
  /// device object -> (its name when identified, its identity).
  std::map<const Device *, std::pair<std::string, DeviceIdentity>> identities_;
  /// (bundle object, kernel, target, source size) -> kernelHash().
  std::map<std::string, std::string> hashes_;
  TunerStats stats_;
};

/// The selector Launcher::open (and ida-run) install: one process-wide
/// Autotuner from the environment, or nullptr when IDA_AUTOTUNE=0. On CUDA,
/// with IDA_AUTOTUNE unset, it only reads records (mode Cached), so a search
/// there must be asked for with IDA_AUTOTUNE=1 (or ida-tune). A
/// configuration whose tiles do not fit no longer loses the context (its
/// blocks exit and the search prunes it), but that path has not yet run on
/// a GPU; tests/gpu/run.sh exercises it, and the default can follow.
std::shared_ptr<ConfigSelector> defaultSelector(Target target = Target::Cpu);

} // namespace ida::autotune

#endif // IDA_RUNTIME_AUTOTUNE_AUTOTUNER_H

//===- runtime/launcher/Launcher.h - run a bundle's entries -----*- C++ -*-===//
//
// Launcher::run(entry, inputs) -> outputs: checks the inputs against the
// manifest (naming the argument and the expected shape on any mismatch),
// binds B, T, H, allocates zeroed outputs, temps and workspaces, picks each
// kernel's configuration, compiles it through the device's backend (cached
// on disk and in memory), evaluates the grids and launches the programs in
// order.
//
// Configuration precedence, highest first:
//   RunOptions::forcedConfig > $IDA_CONFIG > ConfigSelector > manifest default.
// Forced keys are "KEY" (every kernel of the entry that has that tuning key)
// or "KERNEL.KEY" (one kernel); they override single keys of the default.
// When the forced keys cover every tuning key of a kernel, the selector is
// not consulted for it (no tuning for a fully forced kernel).
//
// The selector: Launcher::open() and useDefaultSelector() install the
// autotuner (runtime/autotune, docs/autotuning.md) unless IDA_AUTOTUNE=0; a
// Launcher built with the constructor has none until one is set.
//
// Kernel status (CUDA's tile-arena overflow, CompiledKernel::checkLaunches)
// is read at the synchronisation points the launcher already has: the end
// of run() and runOnDevice(), and launchKernel() when it waits before
// freeing workspaces.
// Callers of launchKernel() that synchronise themselves call checkLaunches().
//
// THREADS is a runtime key: compile() leaves it out of the build (one binary
// serves every value) and a CPU kernel runs its programs with that many
// threads (the autotuner chooses it on the CPU).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_LAUNCHER_LAUNCHER_H
#define IDA_RUNTIME_LAUNCHER_LAUNCHER_H

#include "runtime/backend/Device.h"
#include "runtime/bundle/Bundle.h"
#include "runtime/launcher/ConfigSelector.h"
#include "runtime/launcher/ShapeBinder.h"
#include "runtime/tensor/Tensor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ida {

using TensorMap = std::map<std::string, Tensor>;

struct RunOptions {
  /// "C=32" for every kernel with key C, "scan_fwd_0.C=32" for one kernel.
  Config forcedConfig;
  /// Whether $IDA_CONFIG applies (same syntax, comma-separated).
  bool useEnvConfig = true;
};

/// Where a kernel's configuration came from, for logs and tests.
struct KernelChoice {
  std::string kernel;
  Config config;
  std::string origin; // "default", "selector", "IDA_CONFIG", "forced"
  std::string cacheKey;
};

/// The target to hand to makeDevice() for `entry` when the user asked for
/// `requested` ("cpu", "cuda", "auto"): "auto" becomes "cpu" when some kernel
/// of the entry (of any entry, if `entry` is empty) has no CUDA source, so a
/// CPU-only bundle still runs on a GPU machine; otherwise unchanged.
std::string resolveTarget(const Bundle &bundle, const std::string &entry,
                          const std::string &requested);

/// Device memory the caller owns, handed to Launcher::runOnDevice.
struct DeviceSpan {
  void *ptr = nullptr;
  size_t bytes = 0;
};

class Launcher {
public:
  Launcher(std::shared_ptr<const Bundle> bundle, std::shared_ptr<Device> device);
  /// Loads the bundle at `dir` and makes a device for `target` (cpu, cuda,
  /// auto; see resolveTarget), with the default selector installed.
  static Launcher open(const std::string &dir, const std::string &target = "auto");

  /// Runs `entry`. Inputs missing from the map (or null) are absent; optional
  /// ones become null pointers for the kernels. Returns every output of the
  /// entry. Throws ArgumentError, ConfigError, CompileError, ...
  TensorMap run(const std::string &entry, const InputRefs &inputs,
                const RunOptions &options = {});
  TensorMap run(const std::string &entry, const TensorMap &inputs,
                const RunOptions &options = {});

  /// Runs `entry` on memory that already lives on this launcher's device
  /// (the Python package's DLPack path, ida-train's device model): no
  /// copies. `inputs` are views (Tensor::view over device pointers) that
  /// give each input's dtype and shape; their data is not read on the host.
  /// `outputs` names device memory for some outputs, checked against the
  /// entry's shapes and zeroed here; outputs left out are computed into
  /// scratch and dropped. Temps are allocated here. Returns once the
  /// outputs are complete (synchronises). Throws as run().
  void runOnDevice(const std::string &entry, const InputRefs &inputs,
                   const std::map<std::string, DeviceSpan> &outputs,
                   const RunOptions &options = {});

  /// The autotuner's hook; nullptr removes it.
  void setConfigSelector(std::shared_ptr<ConfigSelector> selector) {
    selector_ = std::move(selector);
  }
  /// Installs the process-wide autotuner (none when IDA_AUTOTUNE=0). Throws
  /// ida::Error for malformed IDA_AUTOTUNE* variables.
  void useDefaultSelector();

  /// The configuration run() would use for `kernel` at `dims` (throws
  /// ConfigError for unknown forced keys).
  KernelChoice chooseConfig(const EntrySpec &entry, const KernelSpec &kernel,
                            const Bindings &dims, const RunOptions &options);

  /// Compiles (or fetches) one kernel configuration; memoised per launcher.
  std::shared_ptr<CompiledKernel> compile(const std::string &kernel,
                                          const Config &config);

  /// Launches one kernel with `config` over device buffers given by name
  /// (entry-level buffer names; absent optional inputs may be missing or
  /// null). Allocates and zeroes its workspaces. For the autotuner, which
  /// times kernels on buffers it owns. `dims` as from bindEntryInputs.
  void launchKernel(const std::string &kernel, const Config &config,
                    const Bindings &dims,
                    const std::map<std::string, void *> &buffers);

  /// After the caller synchronised the device: checks the status of every
  /// kernel launched since the last check (CompiledKernel::checkLaunches),
  /// throwing e.g. ArenaOverflowError. run() and runOnDevice() do this
  /// themselves.
  void checkLaunches();

  /// The choices made by the last run(), in step order.
  const std::vector<KernelChoice> &lastChoices() const { return lastChoices_; }

  const Bundle &bundle() const { return *bundle_; }
  Device &device() { return *device_; }

private:
  /// The entry, after checking it has a source for this device for every
  /// step, and its sizes bound from `inputs` (run() and runOnDevice()).
  const EntrySpec &bindEntry(const std::string &entry, const InputRefs &inputs,
                             Bindings &dims);
  /// Every step of `entry` with its chosen configuration, then the wait and
  /// the launch-status check (run() and runOnDevice()).
  void runSteps(const EntrySpec &entry, const Bindings &dims,
                const std::map<std::string, void *> &pointers,
                const RunOptions &options);

  std::shared_ptr<const Bundle> bundle_;
  std::shared_ptr<Device> device_;
  std::shared_ptr<ConfigSelector> selector_;
  /// (kernel, "C=64,...") -> compiled
  std::map<std::pair<std::string, std::string>, std::shared_ptr<CompiledKernel>>
      compiled_;
  std::vector<KernelChoice> lastChoices_;
  /// Kernels launched since the last checkLaunches(), each once.
  std::vector<std::shared_ptr<CompiledKernel>> unchecked_;
};

} // namespace ida

#endif // IDA_RUNTIME_LAUNCHER_LAUNCHER_H

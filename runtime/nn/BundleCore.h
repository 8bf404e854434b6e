//===- runtime/nn/BundleCore.h - MixerCore over a compiled bundle -*- C++ -*-===//
//
// The mixer core that runs generated kernels: forward() runs the bundle's
// `forward` entry, vjp() its `forward_vjp` entry, through the runtime's
// Launcher on the target chosen (cpu: the bundle's C++ sources built with
// the host compiler; cuda: NVRTC; auto: CUDA when a GPU is usable). Kernel
// configurations come from the launcher's default selector, i.e. the
// autotuner tunes each kernel on first use at a new shape bucket unless
// IDA_AUTOTUNE=0 (docs/autotuning.md).
//
// Arguments are bound by the manifest's names (q k v dt g A_log dt_bias W ->
// y; plus dy -> dq dk dv ddt dg dA_log ddt_bias dW), through the same
// logical-name mapping as the Python package (runtime/bundle/EntryNames.h).
// The initial state S0 (and Z0) is left out (zero), and the final state the
// entry also returns is dropped: the training loop trains on independent
// sequences (MixerCore.h).
//
// One MixerBundle (bundle + device + launcher) serves the cores of every
// layer: kernels are compiled and tuned once per model, not once per layer.
// Like the Launcher it is not thread-safe; the training loop is sequential.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_BUNDLECORE_H
#define IDA_RUNTIME_NN_BUNDLECORE_H

#include "runtime/nn/DeviceMixerCore.h"
#include "runtime/nn/MixerConfig.h"
#include "runtime/nn/MixerCore.h"

#include <memory>
#include <string>

namespace ida {
class Bundle;
class Device;
class Launcher;
} // namespace ida

namespace ida::nn {

class MixerBundle {
public:
  /// Loads the bundle at `dir` and makes a device for `target` (auto, cpu,
  /// cuda). With `autotune` the launcher gets the autotuner (unless
  /// IDA_AUTOTUNE=0); without it every kernel runs its manifest default.
  /// Throws ida::Error (ManifestError, UnavailableError, ...).
  MixerBundle(const std::string &dir, const std::string &target,
              bool autotune = true);
  ~MixerBundle();

  const Bundle &bundle() const;
  Launcher &launcher() { return *launcher_; }
  /// The device the kernels run on (a device-resident model shares it).
  std::shared_ptr<Device> device() const { return device_; }
  /// "cpu" or "cuda": where the kernels run.
  std::string target() const;
  /// The device's name, e.g. "cpu: AMD EPYC (2 threads)".
  std::string deviceName() const;
  /// The manifest's x-preset command ("idac --preset ida ..."), or "" for a
  /// bundle compiled from a graph file.
  const std::string &presetCommand() const { return presetCommand_; }

  /// Throws std::invalid_argument "bundle 'DIR' does not match the model:
  /// ..." when the bundle cannot serve the mixer `cfg`: a missing `forward`
  /// or `forward_vjp` entry, different op attributes (from the manifest's
  /// x-preset, when there is one) or argument shapes.
  void checkMatches(const MixerConfig &cfg) const;

  /// A core for `spec` running this bundle (kept alive by the core).
  static std::unique_ptr<MixerCoreT<float>>
  makeCore(std::shared_ptr<MixerBundle> bundle, const CoreSpec &spec);
  /// A factory handing every layer a core over `bundle`.
  static CoreFactory<float> factory(std::shared_ptr<MixerBundle> bundle);
  /// Cores for the device-resident model: the entries run on device memory
  /// of launcher().device() (Launcher::runOnDevice), no copies. `cfg` gives
  /// the shapes.
  static DeviceCoreFactory deviceFactory(std::shared_ptr<MixerBundle> bundle,
                                         const MixerConfig &cfg);

private:
  std::shared_ptr<Device> device_;
  std::shared_ptr<Launcher> launcher_;
  std::string presetCommand_;
  std::string presetJson_; // the x-preset member as JSON text, or ""
};

/// Runs `core` forward and vjp once on seeded random inputs of the shapes
/// the mixer `cfg` sees at batch B and length T, so that compiling and
/// tuning happen before training starts (and stay out of its tokens/s).
void warmUpCore(MixerCoreT<float> &core, const MixerConfig &cfg, int64_t B,
                int64_t T);

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_BUNDLECORE_H

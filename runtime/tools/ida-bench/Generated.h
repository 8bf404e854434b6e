//===- runtime/tools/ida-bench/Generated.h - time an entry -----*- C++ -*-===//
//
// Runs one entry of a bundle the way Launcher::run() does (the same
// configuration choice: forced > $IDA_CONFIG > the autotuner's records or
// search > the manifest default; the same compile cache; launchKernel for
// every step, which allocates and zeroes the kernels' workspaces), but on
// device buffers that stay allocated between repetitions, with the inputs
// uploaded once. Outputs and temps are re-zeroed before each repetition,
// outside the timed region (the kernels may accumulate into them). On a
// CUDA device a repetition is timed with events on the device's stream,
// elsewhere with a steady clock around launches and a synchronize.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TOOLS_IDA_BENCH_GENERATED_H
#define IDA_RUNTIME_TOOLS_IDA_BENCH_GENERATED_H

#include "runtime/launcher/Launcher.h"

#include <map>
#include <string>
#include <vector>

namespace ida::benchtool {

class GeneratedEntry {
public:
  /// Uploads `inputs`, binds B/T/H, chooses every step's configuration (the
  /// autotuner may search here) and compiles them.
  GeneratedEntry(Launcher &launcher, const std::string &entry,
                 const TensorMap &inputs, const RunOptions &options);

  /// One repetition; returns milliseconds of the launches.
  double run();
  /// The outputs of the last repetition, on the host, by manifest name.
  TensorMap outputs();
  const std::vector<KernelChoice> &choices() const { return choices_; }
  const Bindings &dims() const { return dims_; }

private:
  void launchSteps();

  Launcher &launcher_;
  const EntrySpec &entry_;
  Bindings dims_;
  std::vector<KernelChoice> choices_;
  std::map<std::string, DeviceBuffer> buffers_;
  std::map<std::string, void *> pointers_;
  std::map<std::string, size_t> zeroed_; // outputs and temps: bytes
  std::map<std::string, std::pair<DType, Shape>> outputShapes_;
};

} // namespace ida::benchtool

#endif // IDA_RUNTIME_TOOLS_IDA_BENCH_GENERATED_H

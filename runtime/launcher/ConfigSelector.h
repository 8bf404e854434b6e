//===- runtime/launcher/ConfigSelector.h - autotuner hook -------*- C++ -*-===//
//
// How the launcher asks "which configuration for this kernel at these
// sizes?". The autotuner implements this; without one, kernels run their
// manifest default. Explicit choices (RunOptions::forcedConfig, IDA_CONFIG)
// always win over the selector.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_LAUNCHER_CONFIGSELECTOR_H
#define IDA_RUNTIME_LAUNCHER_CONFIGSELECTOR_H

#include "runtime/bundle/Bundle.h"

#include <optional>

namespace ida {

class Device;

/// What a selector knows about the launch it is choosing for.
struct SelectionContext {
  const Bundle &bundle;
  const KernelSpec &kernel;
  /// B, T, H and the bundle's static constants for this launch.
  const Bindings &dims;
  Device &device;
};

class ConfigSelector {
public:
  virtual ~ConfigSelector() = default;
  /// A complete configuration (every key of the kernel's space), or nullopt
  /// for the manifest default. May compile and time candidates.
  virtual std::optional<Config> select(const SelectionContext &context) = 0;
};

} // namespace ida

#endif // IDA_RUNTIME_LAUNCHER_CONFIGSELECTOR_H

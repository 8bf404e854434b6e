//===- runtime/tools/ida-bench/BenchBundle.h - presets ---------*- C++ -*-===//
//
// ida-bench measures preset bundles (`idac --preset ...`): their manifest's
// `x-preset` member says which problem the kernels solve (feature map, N, F,
// D, P, basis weights, normalize, chunk), which the float64 reference and the
// unfused baseline need. A bundle is either given as a directory or written
// by idac from preset flags into the bundle cache of
// runtime/bundle/IdacBundle.h (keyed by the flags and the idac binary, so a
// rebuilt idac writes a fresh bundle).
//
// idac is looked up as $IDA_IDAC, then next to the ida-bench executable (the
// build's bin/), then on PATH.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TOOLS_IDA_BENCH_BENCHBUNDLE_H
#define IDA_RUNTIME_TOOLS_IDA_BENCH_BENCHBUNDLE_H

#include "runtime/bundle/Bundle.h"
#include "runtime/reference/Reference.h"

#include <memory>
#include <string>
#include <vector>

namespace ida::benchtool {

/// The manifest's x-preset member (scan family only).
struct PresetInfo {
  std::string mixer, feature, basisWeights, dtype, command;
  int64_t featureParam = 0, F = 0, N = 0, H = 0, D = 0, P = 0, chunk = 64;
  bool normalize = false;

  ref::Config refConfig() const;
  /// "ida elu1 N=4 F=64 P=64" (plus softmax/normalize/dtype when not default).
  std::string label() const;
};

struct BenchBundle {
  std::string dir;
  std::shared_ptr<const Bundle> bundle;
  PresetInfo preset;
};

/// Loads `dir`; throws ida::Error when it is not a scan-family preset bundle.
BenchBundle loadBenchBundle(const std::string &dir);

/// The preset of issue #10's default measurement, as idac flags.
std::vector<std::string> defaultPresetFlags();

/// Writes (or reuses) the bundle of `idac --preset <flags>`; returns its
/// directory. Throws ida::Error when idac is missing or fails.
std::string presetBundle(const std::vector<std::string> &flags);

/// The idac to run (see the file comment); throws ida::Error when none.
std::string findIdac();

} // namespace ida::benchtool

#endif // IDA_RUNTIME_TOOLS_IDA_BENCH_BENCHBUNDLE_H

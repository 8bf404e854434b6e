//===- runtime/nn/PresetBundle.h - a mixer's bundle from idac --*- C++ -*-===//
//
// Where ida-train's bundle core gets its kernels when the user gives no
// --bundle: the mixer configuration is written as `idac --preset` flags, and
// idac compiles them into a bundle cached under
//
//   $IDA_CACHE_DIR/bundles/<key>/      (IDA_CACHE_DIR defaults to ~/.cache/ida)
//
// where key is a SHA-256 over the idac identity (resolved path, size,
// modification time; a rebuilt compiler gets fresh bundles) and the command
// line. A bundle is written to a temporary directory next to its final place
// and renamed into it, so concurrent runs never see a partial bundle (the
// Python package's cache, python/ida/_compiler.py, works the same way).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_PRESETBUNDLE_H
#define IDA_RUNTIME_NN_PRESETBUNDLE_H

#include "runtime/nn/MixerConfig.h"

#include <string>
#include <vector>

namespace ida::nn {

/// The `idac --preset` flags of the mixer `cfg` (mixer, feature, feature-dim,
/// basis, basis-weights, chunk, heads, head-dim, value-dim, normalize), f32,
/// no decode entry, sources for `sourceTargets` (idac's --target: cpu or all).
/// Without -o and -q.
std::vector<std::string> presetArgs(const MixerConfig &cfg,
                                    const std::string &sourceTargets);

/// idac's --target for a run on `target` (auto, cpu, cuda): CUDA sources too
/// when this runtime has the CUDA backend and the user did not ask for the CPU.
std::string presetSourceTargets(const std::string &target);

/// The idac program: $IDA_IDAC when set (it must exist), else `idac` in
/// `besideDir` (the directory of the running tool; build trees and installs
/// keep both in one bin/), else `idac` on PATH; "" when there is none.
/// Throws ida::Error when $IDA_IDAC names a missing program.
std::string findIdac(const std::string &besideDir);

/// The directory of the running executable ("" when unknown).
std::string selfExecutableDir();

struct PresetBundle {
  std::string dir;     // the bundle directory
  std::string command; // "idac --preset ...", for banners
  bool generated = false; // false: found in the cache
};

/// Runs `idac ARGS -q -o DIR` into the bundle cache unless the bundle is
/// already there. Throws ida::Error ("idac failed (exit N): COMMAND: first
/// line of its output") when idac fails.
PresetBundle presetBundle(const std::string &idac,
                          const std::vector<std::string> &args);

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_PRESETBUNDLE_H

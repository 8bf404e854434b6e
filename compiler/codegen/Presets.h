//===- Presets.h - The standard graphs of `idac --preset` -------*- C++ -*-===//
//
// A preset is one mixer layer written out as an ida graph from a handful of
// flags, so a user can compile a specialised layer without writing IR:
//
//   ida      IDA (spec §3):  elu1, N = 4, softmax weights          forward, decode
//   ssm      multi-timescale SSM: identity, N = 4, uniform          forward, decode
//   mamba2   Mamba-2 / SSD:  identity, N = 1, uniform               forward, decode
//   linear   linear attention: elu1, N = 1, uniform, normalize      forward, decode
//   retnet   RetNet retention: identity, N = 1, uniform             forward, decode
//   softmax  causal softmax attention (optional window)             forward
//
// Every flag overrides the preset's default. The scan-family graphs take an
// initial state (S0, and Z0 with normalize) and return the final state, so
// the bundle's `forward` serves both training (S0 omitted: it is optional)
// and prefill for `decode`; the pipeline adds `forward_vjp`.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_COMPILER_CODEGEN_PRESETS_H
#define IDA_COMPILER_CODEGEN_PRESETS_H

#include "compiler/codegen/Json.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::ida::codegen {

/// Flags as given; unset ones take the preset's default.
struct PresetFlags {
  std::string mixer = "ida";
  std::optional<std::string> feature;
  std::optional<int64_t> featureDim; // F' (rows of W) for prf / hedgehog
  std::optional<int64_t> basis;      // N
  std::optional<std::string> basisWeights;
  std::optional<int64_t> chunk;
  std::optional<int64_t> heads, headDim, valueDim;
  std::optional<bool> normalize;
  std::optional<int64_t> window; // softmax only
  std::string dtype = "f32";
  bool decode = true; // also emit @decode (scan family)
};

/// The resolved preset: every value set.
struct Preset {
  std::string mixer;
  bool attention = false; // softmax attention rather than the scan family
  std::string feature;
  int64_t featureParam = 0; // F'
  int64_t F = 0, N = 1;
  std::string basisWeights;
  bool normalize = false;
  int64_t chunk = 64;
  int64_t H = 8, D = 64, P = 64;
  int64_t window = 0;
  std::string dtype = "f32";
  bool decode = true;

  /// The flags that reproduce it ("--preset ida --feature elu1 ...").
  std::string commandLine() const;
  /// The manifest's "x-preset" member.
  JValue json() const;
};

/// The mixer names, for messages and completion.
const std::vector<std::string> &presetMixers();

/// Resolves `flags`; on a bad combination returns nullopt and sets `error`.
std::optional<Preset> resolvePreset(const PresetFlags &flags,
                                    std::string &error);

/// The graph text of a resolved preset.
std::string presetGraph(const Preset &preset);

} // namespace mlir::ida::codegen

#endif // IDA_COMPILER_CODEGEN_PRESETS_H

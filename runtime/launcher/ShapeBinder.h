//===- runtime/launcher/ShapeBinder.h - bind and check inputs ---*- C++ -*-===//
//
// Checks an entry's inputs against the manifest and binds the dynamic
// dimensions (B, T, H) from their extents. Inputs are visited in the
// entry's order; the first bare-name extent of a dimension binds it, and
// every later use must agree. Messages name the argument, the expected
// symbolic shape and where the bindings came from, e.g.
//   input 'v': expected shape [B, T, 4, 64] (B=2, T=100 from 'q'), got
//   [2, 100, 4, 32]
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_LAUNCHER_SHAPEBINDER_H
#define IDA_RUNTIME_LAUNCHER_SHAPEBINDER_H

#include "runtime/bundle/Manifest.h"
#include "runtime/tensor/Tensor.h"

#include <map>
#include <string>

namespace ida {

/// name -> tensor (nullptr or absent = not given).
using InputRefs = std::map<std::string, const Tensor *>;

/// Checks presence, dtype, rank and extents of every input of `entry` and
/// returns the bindings: statics, then B, T, H (B or T = 0 when the entry
/// never uses it). Throws ArgumentError.
Bindings bindEntryInputs(const Manifest &manifest, const EntrySpec &entry,
                         const InputRefs &inputs);

/// Evaluates a symbolic shape; `what` ("output 'y'") prefixes errors, which
/// are ArgumentErrors (a negative extent is the caller's sizes' fault).
Shape evalShape(const ShapeExpr &shape, const Bindings &names,
                const std::string &what);

} // namespace ida

#endif // IDA_RUNTIME_LAUNCHER_SHAPEBINDER_H

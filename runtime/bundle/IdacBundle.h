//===- runtime/bundle/IdacBundle.h - bundles idac writes on demand -*- C++ -*-===//
//
// Tools that measure or train on a preset layer (ida-train's bundle core,
// ida-bench) have idac write the bundle on first use and keep it in
//
//   $IDA_CACHE_DIR/bundles/<key>/      (IDA_CACHE_DIR defaults to ~/.cache/ida)
//
// where key is a SHA-256 over the idac identity (resolved path, size,
// modification time; a rebuilt compiler gets fresh bundles) and its argument
// list. A bundle is written to a temporary directory next to its final place
// and renamed into it, so concurrent runs never see a partial bundle (the
// Python package's cache, python/ida/_compiler.py, works the same way).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BUNDLE_IDACBUNDLE_H
#define IDA_RUNTIME_BUNDLE_IDACBUNDLE_H

#include <string>
#include <vector>

namespace ida {

/// The directory of the running executable ("" when unknown).
std::string selfExecutableDir();

/// The idac program: $IDA_IDAC when set (it must exist), else `idac` in
/// `besideDir` (the directory of the running tool; build trees and installs
/// keep both in one bin/), else `idac` on PATH; "" when there is none.
/// Throws ida::Error when $IDA_IDAC names a missing program.
std::string findIdac(const std::string &besideDir);

struct IdacBundle {
  std::string dir;        // the bundle directory
  std::string command;    // "idac ARGS", for banners
  bool generated = false; // false: found in the cache
};

/// Runs `idac ARGS -q -o DIR` into the bundle cache unless the bundle is
/// already there. Throws ida::Error ("idac failed (exit N): COMMAND: first
/// line of its output") when idac fails.
IdacBundle idacBundle(const std::string &idac, const std::vector<std::string> &args);

} // namespace ida

#endif // IDA_RUNTIME_BUNDLE_IDACBUNDLE_H

//===- runtime/bundle/Bundle.h - a loaded bundle directory ------*- C++ -*-===//
//
// A bundle directory as the runtime sees it: the validated manifest plus the
// text of every kernel source it names, read once at load so a missing file
// is reported when the bundle is opened, not halfway through a run.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BUNDLE_BUNDLE_H
#define IDA_RUNTIME_BUNDLE_BUNDLE_H

#include "runtime/bundle/Manifest.h"

#include <map>
#include <memory>
#include <string>
#include <utility>

namespace ida {

class Bundle {
public:
  /// Loads DIR/manifest.json and every source it lists. Throws ManifestError
  /// (bad manifest, missing source) or FileError.
  static std::shared_ptr<const Bundle> load(const std::string &dir);

  /// Builds a bundle from a manifest text and sources held in memory
  /// (tests, or a compiler handing its output straight to the runtime).
  /// `sources` maps each manifest source path to its text; `dir` is only used
  /// in messages.
  static std::shared_ptr<const Bundle>
  fromMemory(const std::string &manifestJson,
             std::map<std::string, std::string> sources,
             const std::string &dir = "<memory>");

  const Manifest &manifest() const { return manifest_; }
  const std::string &dir() const { return dir_; }

  /// Whether `kernel` has a source for `target` ("cpu", "cuda").
  bool hasSource(const std::string &kernel, const std::string &target) const;
  /// The source text; throws ida::Error naming the kernel and target.
  const std::string &source(const std::string &kernel,
                            const std::string &target) const;
  /// DIR/relative-path of that source (for messages).
  std::string sourcePath(const std::string &kernel,
                         const std::string &target) const;

private:
  Bundle() = default;
  void checkSources() const;

  std::string dir_;
  Manifest manifest_;
  /// relative source path -> text
  std::map<std::string, std::string> texts_;
};

} // namespace ida

#endif // IDA_RUNTIME_BUNDLE_BUNDLE_H

//===- runtime/bundle/Bundle.cpp - a loaded bundle directory --------------===//

#include "runtime/bundle/Bundle.h"

#include "runtime/support/Error.h"
#include "runtime/support/File.h"

#include <filesystem>

namespace ida {

namespace fs = std::filesystem;

std::shared_ptr<const Bundle> Bundle::load(const std::string &dir) {
  fs::path manifestPath = fs::path(dir) / "manifest.json";
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw FileError("bundle directory '" + dir + "' does not exist");
  if (!fs::exists(manifestPath, ec))
    throw ManifestError("'" + dir + "' is not a bundle: it has no manifest.json");
  std::shared_ptr<Bundle> b(new Bundle());
  b->dir_ = dir;
  b->manifest_ = parseManifest(readFile(manifestPath.string()),
                               manifestPath.string());
  for (const auto &[name, kernel] : b->manifest_.kernels)
    for (const auto &[target, rel] : kernel.sources) {
      if (b->texts_.count(rel))
        continue;
      fs::path p = fs::path(dir) / rel;
      if (!fs::is_regular_file(p, ec))
        throw ManifestError(manifestPath.string() + ": kernels." + name +
                            ".sources." + target + ": source file '" +
                            p.string() + "' not found");
      b->texts_[rel] = readFile(p.string());
    }
  return b;
}

std::shared_ptr<const Bundle>
Bundle::fromMemory(const std::string &manifestJson,
                   std::map<std::string, std::string> sources,
                   const std::string &dir) {
  std::shared_ptr<Bundle> b(new Bundle());
  b->dir_ = dir;
  b->manifest_ = parseManifest(manifestJson, dir + "/manifest.json");
  b->texts_ = std::move(sources);
  b->checkSources();
  return b;
}

void Bundle::checkSources() const {
  for (const auto &[name, kernel] : manifest_.kernels)
    for (const auto &[target, rel] : kernel.sources)
      if (!texts_.count(rel))
        throw ManifestError(dir_ + "/manifest.json: kernels." + name +
                            ".sources." + target + ": source file '" + rel +
                            "' not provided");
}

bool Bundle::hasSource(const std::string &kernel,
                       const std::string &target) const {
  return manifest_.kernel(kernel).sources.count(target) > 0;
}

const std::string &Bundle::source(const std::string &kernel,
                                  const std::string &target) const {
  const KernelSpec &k = manifest_.kernel(kernel);
  auto it = k.sources.find(target);
  if (it == k.sources.end()) {
    std::string have;
    for (const auto &[t, rel] : k.sources)
      have += (have.empty() ? "" : ", ") + t;
    throw UnavailableError("kernel '" + kernel + "' of bundle '" + dir_ +
                           "' has no source for target '" + target +
                           "' (it was compiled for: " + have + ")");
  }
  return texts_.at(it->second);
}

std::string Bundle::sourcePath(const std::string &kernel,
                               const std::string &target) const {
  const KernelSpec &k = manifest_.kernel(kernel);
  auto it = k.sources.find(target);
  if (it == k.sources.end())
    return "";
  return (fs::path(dir_) / it->second).string();
}

} // namespace ida

//===- runtime/support/SharedLibrary.h - dlopen RAII handle -----*- C++ -*-===//
//
// Owns one dlopen handle; dlclose on destruction. Used for compiled CPU
// kernels. Loading never aborts the process: failures are exceptions carrying
// dlerror()'s text so a corrupt cache entry can be detected and rebuilt.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_SUPPORT_SHAREDLIBRARY_H
#define IDA_RUNTIME_SUPPORT_SHAREDLIBRARY_H

#include <string>

namespace ida {

class SharedLibrary {
public:
  /// dlopen(path, RTLD_NOW | RTLD_LOCAL); throws ida::Error with dlerror().
  /// With `neverUnload` the code stays mapped after dlclose (RTLD_NODELETE):
  /// needed for OpenMP kernels, whose libgomp would otherwise be unloaded
  /// under its own idle worker threads when the last kernel is closed.
  explicit SharedLibrary(const std::string &path, bool neverUnload = false);
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary &) = delete;
  SharedLibrary &operator=(const SharedLibrary &) = delete;

  /// The address of `name`, or nullptr when the library has no such symbol.
  void *find(const std::string &name) const;
  const std::string &path() const { return path_; }

private:
  std::string path_;
  void *handle_ = nullptr;
};

} // namespace ida

#endif // IDA_RUNTIME_SUPPORT_SHAREDLIBRARY_H

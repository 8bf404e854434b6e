//===- runtime/support/SharedLibrary.cpp - dlopen RAII handle -------------===//

#include "runtime/support/SharedLibrary.h"

#include "runtime/support/Error.h"

#include <dlfcn.h>

namespace ida {

SharedLibrary::SharedLibrary(const std::string &path, bool neverUnload)
    : path_(path) {
  // RTLD_NOW: resolve everything up front, so a truncated or mismatched
  // binary fails here rather than on the first call.
  handle_ = ::dlopen(path.c_str(),
                     RTLD_NOW | RTLD_LOCAL | (neverUnload ? RTLD_NODELETE : 0));
  if (!handle_) {
    const char *why = ::dlerror();
    throw Error("cannot load '" + path + "': " + (why ? why : "unknown error"));
  }
}

SharedLibrary::~SharedLibrary() {
  if (handle_)
    ::dlclose(handle_);
}

void *SharedLibrary::find(const std::string &name) const {
  ::dlerror();
  return ::dlsym(handle_, name.c_str());
}

} // namespace ida

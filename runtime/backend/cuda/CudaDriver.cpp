//===- runtime/backend/cuda/CudaDriver.cpp - the driver API, dlopen'ed ----===//

#include "runtime/backend/cuda/CudaDriver.h"

#include "runtime/support/Env.h"

#include <dlfcn.h>

#include <map>
#include <mutex>

#define IDA_CUDA_STR2(x) #x
#define IDA_CUDA_STR(x) IDA_CUDA_STR2(x)

namespace ida {

std::string cudaVersionString(int version) {
  return std::to_string(version / 1000) + "." +
         std::to_string(version % 1000 / 10);
}

std::string CudaDriver::defaultLibrary() {
  return env::get("IDA_CUDA_DRIVER").value_or("libcuda.so.1");
}

std::string CudaDriver::errorText(CUresult result) const {
  const char *name = nullptr;
  const char *text = nullptr;
  if (cuGetErrorName)
    cuGetErrorName(result, &name);
  if (cuGetErrorString)
    cuGetErrorString(result, &text);
  std::string out = name ? name : "CUresult " + std::to_string(int(result));
  if (text)
    out += std::string(" (") + text + ")";
  return out;
}

void CudaDriver::check(CUresult result, const char *call,
                       const std::string &what) const {
  if (result == CUDA_SUCCESS)
    return;
  throw CudaError("CUDA driver call " + std::string(call) + " failed" +
                      (what.empty() ? "" : " (" + what + ")") + ": " +
                      errorText(result),
                  result);
}

std::shared_ptr<const CudaDriver> CudaDriver::open(const std::string &library) {
  static std::mutex m;
  static std::map<std::string, std::shared_ptr<const CudaDriver>> opened;
  const std::string name = library.empty() ? defaultLibrary() : library;
  std::lock_guard<std::mutex> lock(m);
  auto it = opened.find(name);
  if (it != opened.end())
    return it->second;

  void *handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *err = dlerror();
    throw UnavailableError(
        "no CUDA driver found (" + name + "): " +
        (err ? err : "dlopen failed") +
        ". The CUDA target needs an NVIDIA GPU and its driver; use the cpu "
        "target (or auto) on this machine");
  }
  std::shared_ptr<CudaDriver> driver(new CudaDriver());
  driver->library_ = name;
  driver->handle_ = handle;
  std::string missing;
#define IDA_CUDA_LOAD(fn)                                                      \
  driver->fn = reinterpret_cast<decltype(driver->fn)>(                         \
      dlsym(handle, IDA_CUDA_STR(fn)));                                        \
  if (!driver->fn)                                                             \
    missing += std::string(missing.empty() ? "" : ", ") + IDA_CUDA_STR(fn);
  IDA_CUDA_DRIVER_FUNCTIONS(IDA_CUDA_LOAD)
#undef IDA_CUDA_LOAD

  if (driver->cuDriverGetVersion)
    driver->cuDriverGetVersion(&driver->version_);
  if (!missing.empty())
    throw UnavailableError(
        "the CUDA driver " + name + " (CUDA " +
        cudaVersionString(driver->version_) +
        ") lacks entry points this runtime needs: " + missing +
        ". It is older than the toolkit the runtime was built with (CUDA " +
        cudaVersionString(CUDA_VERSION) + "); update the NVIDIA driver");

  CUresult init = driver->cuInit(0);
  if (init == CUDA_ERROR_NO_DEVICE)
    throw UnavailableError("no CUDA device: the driver (" + name +
                           ") found no GPU (" + driver->errorText(init) + ")");
  if (init != CUDA_SUCCESS)
    throw UnavailableError("no CUDA device: cuInit failed: " +
                           driver->errorText(init) + " (driver " + name +
                           ", CUDA " + cudaVersionString(driver->version_) +
                           ")");
  env::log("loaded CUDA driver " + name + " (CUDA " +
           cudaVersionString(driver->version_) + ")");
  opened[name] = driver;
  return driver;
}

} // namespace ida

//===- runtime/backend/cuda/CudaDriver.h - the driver API, dlopen'ed -*- C++ -*-===//
//
// The CUDA driver API is loaded at run time with dlopen("libcuda.so.1")
// rather than linked, so the runtime (and every tool and test linked with it)
// starts on machines without an NVIDIA driver; there, opening the driver
// throws UnavailableError and makeDevice("auto") falls back to the CPU.
//
// Each entry point is resolved under the exact ABI name that <cuda.h> maps
// the call to (cuMemAlloc -> "cuMemAlloc_v2", cuEventElapsedTime ->
// "cuEventElapsedTime_v2"), so the pointers have the prototypes of the
// toolkit the runtime was built with. A driver older than that toolkit lacks
// some of them and is reported as unavailable, naming the missing call.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BACKEND_CUDA_CUDADRIVER_H
#define IDA_RUNTIME_BACKEND_CUDA_CUDADRIVER_H

#include "runtime/support/Error.h"

#include <cuda.h>

#include <memory>
#include <string>

namespace ida {

/// A failed driver call: names the call and carries cuGetErrorString's text.
class CudaError : public Error {
public:
  CudaError(const std::string &message, CUresult code)
      : Error(message), code_(code) {}
  CUresult code() const { return code_; }

private:
  CUresult code_;
};

// Every driver entry point the runtime uses.
#define IDA_CUDA_DRIVER_FUNCTIONS(X)                                           \
  X(cuGetErrorString)                                                          \
  X(cuGetErrorName)                                                            \
  X(cuInit)                                                                    \
  X(cuDriverGetVersion)                                                        \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetName)                                                           \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDeviceTotalMem)                                                          \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuDevicePrimaryCtxRelease)                                                 \
  X(cuCtxSetCurrent)                                                           \
  X(cuCtxSynchronize)                                                          \
  X(cuModuleLoadData)                                                          \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuModuleGetGlobal)                                                         \
  X(cuFuncSetAttribute)                                                        \
  X(cuFuncGetAttribute)                                                        \
  X(cuLaunchKernel)                                                            \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamSynchronize)                                                       \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy)                                                            \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuEventElapsedTime)                                                        \
  X(cuMemAlloc)                                                                \
  X(cuMemFree)                                                                 \
  X(cuMemGetInfo)                                                              \
  X(cuMemcpyHtoDAsync)                                                         \
  X(cuMemcpyDtoHAsync)                                                         \
  X(cuMemsetD8Async)

class CudaDriver {
public:
  /// The loaded and initialised (cuInit) driver. `library` defaults to
  /// $IDA_CUDA_DRIVER or "libcuda.so.1". Cached per library name; a failure
  /// is not cached. Throws UnavailableError: "no CUDA driver found
  /// (libcuda.so.1): ..." when it cannot be loaded, "no CUDA device: ..."
  /// when cuInit finds no GPU.
  static std::shared_ptr<const CudaDriver> open(const std::string &library = "");
  /// $IDA_CUDA_DRIVER or "libcuda.so.1".
  static std::string defaultLibrary();

  CudaDriver(const CudaDriver &) = delete;
  CudaDriver &operator=(const CudaDriver &) = delete;

  /// "CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
  std::string errorText(CUresult result) const;
  /// Throws CudaError "CUDA driver call CALL failed[ (WHAT)]: TEXT" unless
  /// `result` is CUDA_SUCCESS.
  void check(CUresult result, const char *call,
             const std::string &what = "") const;

  /// cuDriverGetVersion, e.g. 13000.
  int version() const { return version_; }
  const std::string &library() const { return library_; }

#define IDA_CUDA_DECLARE(name) decltype(&::name) name = nullptr;
  IDA_CUDA_DRIVER_FUNCTIONS(IDA_CUDA_DECLARE)
#undef IDA_CUDA_DECLARE

private:
  CudaDriver() = default;
  std::string library_;
  void *handle_ = nullptr; // never dlclose'd: drivers do not like unloading
  int version_ = 0;
};

/// "13.0" from 13000.
std::string cudaVersionString(int version);

} // namespace ida

/// Calls a driver entry point through `driver` and throws CudaError naming
/// the call on failure: IDA_CU(drv, cuMemAlloc(&p, n)).
#define IDA_CU(driver, call) (driver).check((driver).call, #call)

#endif // IDA_RUNTIME_BACKEND_CUDA_CUDADRIVER_H

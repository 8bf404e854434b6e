//===- runtime/bench/GpuCeilings.cpp - device copy and cuBLAS SGEMM -------===//
#include "runtime/bench/GpuCeilings.h"

#if defined(IDA_WITH_CUDA)
#include "runtime/backend/cuda/CudaDevice.h"
#include "runtime/support/Env.h"
#include "runtime/support/SharedLibrary.h"

#if defined(IDA_BENCH_HAVE_CUBLAS)
#include <cublas_v2.h>
#endif

#include <dlfcn.h>

#include <algorithm>
#include <memory>
#include <vector>
#endif

namespace ida::bench {

#if !defined(IDA_WITH_CUDA)

bool gpuCeilingsBuilt() { return false; }

GpuCeilings measureGpuCeilings(Device &) {
  GpuCeilings r;
  r.note = "GPU ceiling not measured: built without CUDA (IDA_ENABLE_CUDA=OFF)";
  return r;
}

#else

bool gpuCeilingsBuilt() { return true; }

namespace {

constexpr int kTrials = 5;

/// cuMemcpyDtoDAsync is not among the runtime's driver entry points; the
/// driver library is already loaded by the device, so look it up there.
void measureCopy(CudaDevice &dev, GpuCeilings &r) {
  void *driver = dlopen(CudaDriver::defaultLibrary().c_str(),
                        RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  auto copy = driver ? reinterpret_cast<decltype(&::cuMemcpyDtoDAsync)>(
                           dlsym(driver, "cuMemcpyDtoDAsync_v2"))
                     : nullptr;
  if (driver) // the device's own handle keeps the library loaded
    dlclose(driver);
  if (!copy) {
    r.note += "device copy not measured: cuMemcpyDtoDAsync_v2 not found in " +
              CudaDriver::defaultLibrary() + "; ";
    return;
  }
  // 1 GiB each way, or a quarter of the device's memory if that is less.
  size_t bytes = std::min<size_t>(size_t(1) << 30, dev.totalMemory() / 4);
  DeviceBuffer src = dev.allocate(bytes), dst = dev.allocate(bytes);
  dev.fillZero(src.get(), bytes);
  std::shared_ptr<const CudaDriver> drv = CudaDriver::open();
  auto work = [&] {
    drv->check(copy(reinterpret_cast<CUdeviceptr>(dst.get()),
                    reinterpret_cast<CUdeviceptr>(src.get()), bytes,
                    dev.stream()),
               "cuMemcpyDtoDAsync");
  };
  work(); // warm-up
  dev.synchronize();
  float best = 1e30f;
  for (int i = 0; i < kTrials; ++i)
    best = std::min(best, dev.timeMs(work));
  r.copyMeasured = true;
  r.copyBytes = bytes;
  r.copyGbPerS = 2.0 * double(bytes) / (best * 1e-3) * 1e-9;
}

#if defined(IDA_BENCH_HAVE_CUBLAS)
/// libcublas, dlopen'ed: $IDA_CUBLAS, the loader's path, then the toolkit
/// this was built with.
std::unique_ptr<SharedLibrary> openCublas(std::string &tried) {
  std::vector<std::string> names;
  if (auto env = env::get("IDA_CUBLAS"))
    names.push_back(*env);
  names.insert(names.end(), {"libcublas.so", "libcublas.so.13",
                             "libcublas.so.12", IDA_BENCH_CUBLAS_PATH});
  for (const std::string &name : names) {
    try {
      return std::make_unique<SharedLibrary>(name, /*neverUnload=*/true);
    } catch (const Error &) {
      tried += (tried.empty() ? "" : ", ") + name;
    }
  }
  return nullptr;
}

void measureSgemm(CudaDevice &dev, GpuCeilings &r) {
  std::string tried;
  std::unique_ptr<SharedLibrary> lib = openCublas(tried);
  if (!lib) {
    r.note += "SGEMM not measured: cuBLAS not found (tried " + tried + "); ";
    return;
  }
  auto create = reinterpret_cast<decltype(&::cublasCreate_v2)>(
      lib->find("cublasCreate_v2"));
  auto destroy = reinterpret_cast<decltype(&::cublasDestroy_v2)>(
      lib->find("cublasDestroy_v2"));
  auto setStream = reinterpret_cast<decltype(&::cublasSetStream_v2)>(
      lib->find("cublasSetStream_v2"));
  auto sgemm = reinterpret_cast<decltype(&::cublasSgemm_v2)>(
      lib->find("cublasSgemm_v2"));
  if (!create || !destroy || !setStream || !sgemm) {
    r.note += "SGEMM not measured: " + lib->path() +
              " lacks the cublas*_v2 entry points; ";
    return;
  }
  dev.synchronize(); // makes the device's (primary) context current
  cublasHandle_t handle = nullptr;
  if (create(&handle) != CUBLAS_STATUS_SUCCESS) {
    r.note += "SGEMM not measured: cublasCreate failed; ";
    return;
  }
  struct Release {
    decltype(destroy) fn;
    cublasHandle_t h;
    ~Release() { fn(h); }
  } release{destroy, handle};
  setStream(handle, reinterpret_cast<cudaStream_t>(dev.stream()));
  const int64_t n = 8192; // 1.1 TFLOP per product: long enough to time
  const size_t bytes = size_t(n) * n * sizeof(float);
  DeviceBuffer a = dev.allocate(bytes), b = dev.allocate(bytes),
               c = dev.allocate(bytes);
  dev.fillZero(a.get(), bytes);
  dev.fillZero(b.get(), bytes);
  const float one = 1.0f, zero = 0.0f;
  cublasStatus_t status = CUBLAS_STATUS_SUCCESS;
  auto work = [&] {
    status = sgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, int(n), int(n), int(n),
                   &one, static_cast<const float *>(a.get()), int(n),
                   static_cast<const float *>(b.get()), int(n), &zero,
                   static_cast<float *>(c.get()), int(n));
  };
  work(); // warm-up (and cuBLAS's own initialisation)
  dev.synchronize();
  float best = 1e30f;
  for (int i = 0; i < kTrials && status == CUBLAS_STATUS_SUCCESS; ++i)
    best = std::min(best, dev.timeMs(work));
  if (status != CUBLAS_STATUS_SUCCESS) {
    r.note += "SGEMM not measured: cublasSgemm failed (status " +
              std::to_string(int(status)) + "); ";
    return;
  }
  r.sgemmMeasured = true;
  r.sgemmSize = n;
  r.sgemmGflops = 2.0 * double(n) * n * n / (best * 1e-3) * 1e-9;
}
#endif

} // namespace

GpuCeilings measureGpuCeilings(Device &device) {
  GpuCeilings r;
  auto *dev = dynamic_cast<CudaDevice *>(&device);
  if (!dev) {
    r.note = "GPU ceiling not measured: the target is " + device.name() +
             ", not a CUDA device";
    return r;
  }
  r.device = dev->name();
  measureCopy(*dev, r);
#if defined(IDA_BENCH_HAVE_CUBLAS)
  measureSgemm(*dev, r);
#else
  r.note += "SGEMM not measured: no cublas_v2.h in the CUDA toolkit at build "
            "time; ";
#endif
  if (!r.note.empty())
    r.note.erase(r.note.size() - 2); // the last "; "
  return r;
}

#endif

} // namespace ida::bench

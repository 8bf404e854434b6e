//===- runtime/backend/cuda/CudaDevice.h - a GPU through the driver API -*- C++ -*-===//
//
// The CUDA target: one GPU's primary context, one stream on which every
// copy, fill and launch of the device is ordered, kernels built by NVRTC
// (NvrtcCompiler, cached on disk) and loaded with cuModuleLoadData.
//
// A program is launched as `extern "C" __global__ void SYMBOL(IdaKernelArgs)`
// with gridDim = geometry.grid, blockDim = (geometry.threads, 1, 1) and
// geometry.smem bytes of dynamic shared memory (the opt-in limit above 48 KB
// is raised per function as needed).
//
// Tile-arena status: a module generated with the CUDA tile API holds the
// device variable IDA_ARENA_STATUS_SYMBOL (IdaArenaStatus, ida_abi.h), where
// a block whose tiles do not fit its dynamic shared memory records what it
// needed before it exits, and every completed block its arena peak. The
// kernel finds it at load time and reads it in checkLaunches() (one 16-byte
// copy, at a synchronisation point of the caller's), clearing the overflow
// word after reporting one.
//
// Memory: cuMemAlloc/cuMemFree (no managed memory). copyToDevice and
// copyToHost return once the host buffer may be reused / holds the data, as
// on the CPU; fillZero and launches are asynchronous on the stream;
// synchronize() waits for the stream.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BACKEND_CUDA_CUDADEVICE_H
#define IDA_RUNTIME_BACKEND_CUDA_CUDADEVICE_H

#include "runtime/backend/Device.h"
#include "runtime/backend/cuda/CudaDriver.h"
#include "runtime/backend/cuda/Nvrtc.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ida {

struct CudaDeviceOptions {
  /// Device ordinal ($IDA_CUDA_DEVICE, default 0).
  int ordinal = 0;
  /// Driver library ("" = $IDA_CUDA_DRIVER or libcuda.so.1).
  std::string driverLibrary;
  /// Target override ($IDA_CUDA_ARCH, e.g. "sm_90a"); "" = sm_<capability>,
  /// or PTX for the newest NVRTC target when NVRTC predates the GPU.
  std::string arch;
  NvrtcOptions nvrtc;

  static CudaDeviceOptions fromEnv();
};

/// The context, device and stream shared by a device and everything it made
/// (kernels keep it alive, so a kernel may outlive its CudaDevice object).
struct CudaContext;

/// What the driver reports for one loaded program (needs a GPU).
struct CudaFunctionInfo {
  int registers = 0;
  int staticSmem = 0;         // bytes
  int localBytes = 0;         // per thread
  int maxThreadsPerBlock = 0; // for this function's register use
  int ptxVersion = 0, binaryVersion = 0;
};

/// A pair of events on the device's stream, for timing (the autotuner):
///   timer.start(); ...launches...; timer.stop(); float ms = timer.elapsedMs();
class CudaEventTimer {
public:
  explicit CudaEventTimer(std::shared_ptr<CudaContext> context);
  ~CudaEventTimer();
  CudaEventTimer(const CudaEventTimer &) = delete;
  CudaEventTimer &operator=(const CudaEventTimer &) = delete;

  void start();
  void stop();
  /// Waits for the stop event; milliseconds between start and stop.
  float elapsedMs();

private:
  std::shared_ptr<CudaContext> context_;
  CUevent start_ = nullptr, stop_ = nullptr;
};

/// A kernel configuration loaded on one device.
class CudaCompiledKernel : public CompiledKernel {
public:
  CudaCompiledKernel(std::shared_ptr<CudaContext> context,
                     std::shared_ptr<const CudaBinary> binary,
                     const KernelBuildRequest &request);
  ~CudaCompiledKernel() override;

  void launch(size_t index, const IdaKernelArgs &args,
              const LaunchGeometry &geometry) override;
  size_t numPrograms() const override { return functions_.size(); }
  const std::string &cacheKey() const override { return binary_->key; }
  std::string binaryPath() const override { return binary_->path; }

  /// Throws ArenaOverflowError naming the kernel, configuration, program,
  /// bytes needed and bytes given when a launch since the last call ran out
  /// of tile arena (then clears that record); updates arenaPeak(). The
  /// caller has synchronised the device. No-op without the arena status.
  void checkLaunches() override;
  int64_t arenaPeak() const override;
  /// Whether the module has the arena status (sources from the tile API).
  bool hasArenaStatus() const { return status_ != 0; }
  /// The device's arena status as it is now (zero without one); waits for
  /// the stream. For tests and tools; checkLaunches() is the checked path.
  IdaArenaStatus readArenaStatus() const;
  /// Zeroes the whole status (peak included), ordered on the stream before
  /// later launches, so the next read describes only those.
  void clearArenaStatus();

  const CudaBinary &binary() const { return *binary_; }
  const std::string &symbol(size_t index) const { return symbols_.at(index); }
  /// ptxas's report for program `index` (registers -1 when unknown).
  KernelResources resources(size_t index) const;
  /// The driver's view of program `index`.
  CudaFunctionInfo functionInfo(size_t index) const;
  CUfunction function(size_t index) const { return functions_.at(index); }

private:
  std::shared_ptr<CudaContext> context_;
  std::shared_ptr<const CudaBinary> binary_;
  std::string kernelName_;
  std::string configLabel_; // "C=32,BV=64" or "default", for messages
  std::vector<std::string> symbols_;
  CUmodule module_ = nullptr;
  std::vector<CUfunction> functions_;
  std::vector<int64_t> smemLimit_; // dynamic smem each function is set up for
  CUdeviceptr status_ = 0;         // the module's IdaArenaStatus, if any
  /// Per program: the dynamic shared memory of its latest launch since the
  /// last checkLaunches() (-1: not launched), to name the program at fault.
  std::vector<int64_t> launchedSmem_;
  int64_t peak_ = -1; // arenaPeak()
  mutable std::mutex mutex_;
};

class CudaDevice : public Device {
public:
  /// Opens the driver and retains the device's primary context. Throws
  /// UnavailableError ("no CUDA driver found (libcuda.so.1)", "no CUDA
  /// device", an ordinal out of range).
  explicit CudaDevice(CudaDeviceOptions options = CudaDeviceOptions::fromEnv());
  ~CudaDevice() override;

  Target target() const override { return Target::Cuda; }
  /// "cuda: NVIDIA H200 (sm_90)".
  std::string name() const override;
  bool hostAccessible() const override { return false; }

  DeviceBuffer allocate(size_t bytes) override;
  void copyToDevice(void *dst, const void *src, size_t bytes) override;
  void copyToHost(void *dst, const void *src, size_t bytes) override;
  void fillZero(void *dst, size_t bytes) override;
  void synchronize() override;

  std::shared_ptr<CompiledKernel>
  compile(const KernelBuildRequest &request) override;

  /// The NVRTC target used for this device ("sm_90", or "compute_XY").
  const std::string &arch() const { return arch_; }
  /// e.g. "NVIDIA H200".
  const std::string &deviceName() const { return deviceName_; }
  /// major * 10 + minor, e.g. 90.
  int computeCapability() const { return capability_; }
  /// cuDriverGetVersion, e.g. 13000.
  int driverVersion() const;
  int ordinal() const { return options_.ordinal; }
  size_t totalMemory() const { return totalMemory_; }
  /// cuDeviceGetAttribute.
  int attribute(CUdevice_attribute attribute) const;
  /// Every launch, copy and fill of this device goes to this stream.
  CUstream stream() const;

  /// A timer on this device's stream.
  std::unique_ptr<CudaEventTimer> makeTimer() const;
  /// Milliseconds `work` takes on the stream (events around it).
  float timeMs(const std::function<void()> &work);

  NvrtcCompiler &compiler() { return compiler_; }
  const std::shared_ptr<CudaContext> &context() const { return context_; }

protected:
  void release(void *ptr, size_t bytes) noexcept override;

private:
  CudaDeviceOptions options_;
  std::shared_ptr<CudaContext> context_;
  NvrtcCompiler compiler_;
  std::string deviceName_;
  std::string arch_;
  int capability_ = 0;
  size_t totalMemory_ = 0;
  std::mutex kernelsMutex_;
  /// key + symbols -> loaded kernel, so repeated compiles share a module.
  std::map<std::string, std::shared_ptr<CudaCompiledKernel>> kernels_;
};

/// makeDevice("cuda"): a CudaDevice from the environment. Throws
/// UnavailableError when no driver or GPU is present.
std::unique_ptr<Device> makeCudaDevice();

} // namespace ida

#endif // IDA_RUNTIME_BACKEND_CUDA_CUDADEVICE_H

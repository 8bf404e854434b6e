//===- runtime/backend/Device.h - the device/backend seam -------*- C++ -*-===//
//
// Everything the launcher needs from a target, behind one interface so the
// CUDA backend (NVRTC + driver API) slots in beside the CPU one:
//   - memory: allocate, copy in and out, zero, synchronise;
//   - compile: one kernel source + one configuration -> a CompiledKernel
//     whose programs are resolved and ready (cached by the backend);
//   - launch: CompiledKernel::launch(program, args, geometry).
// The launcher never branches on the target except through
// hostAccessible() (on the CPU, host tensors are used in place).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BACKEND_DEVICE_H
#define IDA_RUNTIME_BACKEND_DEVICE_H

#include "runtime/bundle/Config.h"
#include "templates/common/ida_abi.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ida {

enum class Target { Cpu, Cuda };
/// "cpu" / "cuda" (the keys of a kernel's "sources" in the manifest).
const char *targetName(Target target);

/// Grid, block size and dynamic shared memory of one program launch, already
/// evaluated from the manifest's expressions.
struct LaunchGeometry {
  int64_t grid[3] = {1, 1, 1};
  int64_t threads = 1;
  int64_t smem = 0;
};

/// One kernel source to build with one configuration.
struct KernelBuildRequest {
  std::string kernelName;    // for messages
  std::string source;        // complete, self-contained text
  std::string sourcePath;    // where the bundle keeps it (for messages)
  Config config;             // -> -DIDA_CFG_<KEY>=<VALUE>
  std::vector<std::string> symbols; // program entry points, in launch order
};

/// A kernel built for one configuration on one device.
class CompiledKernel {
public:
  virtual ~CompiledKernel() = default;
  /// Runs program `index` (of the request's symbols) over geometry.grid.
  virtual void launch(size_t index, const IdaKernelArgs &args,
                      const LaunchGeometry &geometry) = 0;
  virtual size_t numPrograms() const = 0;
  /// The backend's cache key of the binary (unique per source, options,
  /// toolchain and target); distinct configurations have distinct keys.
  virtual const std::string &cacheKey() const = 0;
  /// Where the binary lives on disk, if anywhere (for logs).
  virtual std::string binaryPath() const { return ""; }

  /// Reports what the launches issued since the last call left in the
  /// kernel's status; the caller has synchronised the device (the launcher
  /// calls it at the synchronisation points it already has, so it never
  /// waits itself). CUDA: throws ArenaOverflowError when a program's tiles
  /// did not fit its dynamic shared memory (the device stays usable) and
  /// updates arenaPeak(). Nothing to report on the CPU.
  virtual void checkLaunches() {}
  /// The largest tile-arena peak (bytes of dynamic shared memory, header
  /// included) a program of this kernel has reached in the launches checked
  /// so far; -1 when unknown (the CPU, a kernel without the arena status,
  /// nothing checked yet).
  virtual int64_t arenaPeak() const { return -1; }
};

class Device;

/// Device memory owned RAII-style; freed through the device that made it.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(Device *device, void *ptr, size_t bytes)
      : device_(device), ptr_(ptr), bytes_(bytes) {}
  DeviceBuffer(DeviceBuffer &&other) noexcept { *this = std::move(other); }
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer() { reset(); }

  void *get() const { return ptr_; }
  size_t size() const { return bytes_; }
  void reset() noexcept;

private:
  Device *device_ = nullptr;
  void *ptr_ = nullptr;
  size_t bytes_ = 0;
};

class Device {
public:
  virtual ~Device() = default;

  virtual Target target() const = 0;
  /// A human-readable identity that also keys per-device caches (the
  /// autotuner's): CPU model, or GPU name and compute capability.
  virtual std::string name() const = 0;
  /// Whether device memory is ordinary host memory (the CPU), so host
  /// tensors can be passed to kernels without copies.
  virtual bool hostAccessible() const = 0;

  /// `bytes` of device memory (a distinct non-null pointer even for 0).
  virtual DeviceBuffer allocate(size_t bytes) = 0;
  virtual void copyToDevice(void *dst, const void *src, size_t bytes) = 0;
  virtual void copyToHost(void *dst, const void *src, size_t bytes) = 0;
  virtual void fillZero(void *dst, size_t bytes) = 0;
  /// Waits for every launch and copy issued so far.
  virtual void synchronize() = 0;

  /// Builds (or fetches from the backend's caches) one kernel configuration.
  /// Throws CompileError with the compiler log on failure.
  virtual std::shared_ptr<CompiledKernel>
  compile(const KernelBuildRequest &request) = 0;

protected:
  friend class DeviceBuffer;
  virtual void release(void *ptr, size_t bytes) noexcept = 0;
};

/// "cpu", "cuda" or "auto" (CUDA when its backend is built and a GPU is
/// present, else the CPU). Throws UnavailableError for a target this build or
/// machine cannot provide, ida::Error for an unknown name.
std::unique_ptr<Device> makeDevice(const std::string &target);

} // namespace ida

#endif // IDA_RUNTIME_BACKEND_DEVICE_H

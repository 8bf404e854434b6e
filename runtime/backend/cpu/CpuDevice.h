//===- runtime/backend/cpu/CpuDevice.h - the host as a device ---*- C++ -*-===//
//
// The CPU target: host memory, kernels built by the HostCompiler, and a
// launch that calls the program's entry with the thread count (the program
// itself spreads its grid over OpenMP threads).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BACKEND_CPU_CPUDEVICE_H
#define IDA_RUNTIME_BACKEND_CPU_CPUDEVICE_H

#include "runtime/backend/Device.h"
#include "runtime/backend/cpu/HostCompiler.h"

namespace ida {

class CpuDevice : public Device {
public:
  /// Threads from IDA_NUM_THREADS (default: all hardware threads);
  /// compiler options from the environment.
  CpuDevice();
  CpuDevice(HostCompilerOptions options, int numThreads);

  Target target() const override { return Target::Cpu; }
  std::string name() const override;
  bool hostAccessible() const override { return true; }

  DeviceBuffer allocate(size_t bytes) override;
  void copyToDevice(void *dst, const void *src, size_t bytes) override;
  void copyToHost(void *dst, const void *src, size_t bytes) override;
  void fillZero(void *dst, size_t bytes) override;
  void synchronize() override {}

  std::shared_ptr<CompiledKernel>
  compile(const KernelBuildRequest &request) override;

  int numThreads() const { return numThreads_; }
  void setNumThreads(int n) { numThreads_ = n < 1 ? 1 : n; }
  HostCompiler &compiler() { return compiler_; }

protected:
  void release(void *ptr, size_t bytes) noexcept override;

private:
  HostCompiler compiler_;
  int numThreads_;
};

} // namespace ida

#endif // IDA_RUNTIME_BACKEND_CPU_CPUDEVICE_H

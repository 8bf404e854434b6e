//===- runtime/backend/cpu/CpuDevice.cpp - the host as a device -----------===//

#include "runtime/backend/cpu/CpuDevice.h"

#include "runtime/support/Env.h"
#include "runtime/support/Error.h"

#include <cstdlib>
#include <cstring>

namespace ida {

namespace {

class CpuCompiledKernel : public CompiledKernel {
public:
  CpuCompiledKernel(std::shared_ptr<const CpuBinary> binary, int numThreads)
      : binary_(std::move(binary)), numThreads_(numThreads) {}

  void launch(size_t index, const IdaKernelArgs &args,
              const LaunchGeometry &) override {
    // Threads and shared memory are CUDA notions; a CPU program only sees
    // the grid, which is already in args.
    binary_->programs.at(index)(&args, numThreads_);
  }
  size_t numPrograms() const override { return binary_->programs.size(); }
  const std::string &cacheKey() const override { return binary_->key; }
  std::string binaryPath() const override { return binary_->path; }

private:
  std::shared_ptr<const CpuBinary> binary_;
  int numThreads_;
};

} // namespace

CpuDevice::CpuDevice() : CpuDevice(HostCompilerOptions::fromEnv(), env::numThreads()) {}

CpuDevice::CpuDevice(HostCompilerOptions options, int numThreads)
    : compiler_(std::move(options)), numThreads_(numThreads < 1 ? 1 : numThreads) {}

std::string CpuDevice::name() const {
  std::string id = HostCompiler::hostCpuIdentity();
  std::string model = id.substr(0, id.find('\n'));
  size_t colon = model.find(':');
  if (colon != std::string::npos)
    model = model.substr(colon + 1);
  size_t b = model.find_first_not_of(' ');
  model = b == std::string::npos ? "unknown" : model.substr(b);
  return "cpu: " + model + " (" + std::to_string(numThreads_) + " threads)";
}

DeviceBuffer CpuDevice::allocate(size_t bytes) {
  size_t rounded = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
  void *p = std::aligned_alloc(64, rounded);
  if (!p)
    throw Error("out of host memory allocating " + std::to_string(bytes) +
                " bytes");
  return DeviceBuffer(this, p, bytes);
}

void CpuDevice::copyToDevice(void *dst, const void *src, size_t bytes) {
  std::memcpy(dst, src, bytes);
}
void CpuDevice::copyToHost(void *dst, const void *src, size_t bytes) {
  std::memcpy(dst, src, bytes);
}
void CpuDevice::fillZero(void *dst, size_t bytes) { std::memset(dst, 0, bytes); }

void CpuDevice::release(void *ptr, size_t) noexcept { std::free(ptr); }

std::shared_ptr<CompiledKernel>
CpuDevice::compile(const KernelBuildRequest &request) {
  return std::make_shared<CpuCompiledKernel>(compiler_.build(request),
                                             numThreads_);
}

} // namespace ida

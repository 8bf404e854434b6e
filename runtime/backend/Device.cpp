//===- runtime/backend/Device.cpp - the device/backend seam ---------------===//

#include "runtime/backend/Device.h"

#include "runtime/backend/cpu/CpuDevice.h"
#include "runtime/support/Error.h"

#ifdef IDA_WITH_CUDA
#include "runtime/backend/cuda/CudaDevice.h"
#include "runtime/support/Env.h"
#endif

namespace ida {

const char *targetName(Target target) {
  return target == Target::Cpu ? "cpu" : "cuda";
}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    reset();
    device_ = other.device_;
    ptr_ = other.ptr_;
    bytes_ = other.bytes_;
    other.device_ = nullptr;
    other.ptr_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

void DeviceBuffer::reset() noexcept {
  if (device_ && ptr_)
    device_->release(ptr_, bytes_);
  device_ = nullptr;
  ptr_ = nullptr;
  bytes_ = 0;
}

std::unique_ptr<Device> makeDevice(const std::string &target) {
#ifdef IDA_WITH_CUDA
  // The CUDA backend is built: "cuda" must work or say why not (no driver,
  // no GPU: UnavailableError); "auto" prefers it and falls back to the CPU.
  if (target == "cuda")
    return makeCudaDevice();
  if (target == "auto") {
    try {
      return makeCudaDevice();
    } catch (const UnavailableError &e) {
      env::log(std::string("target auto: ") + e.what() + "; using the CPU");
    }
    return std::make_unique<CpuDevice>();
  }
#endif
  if (target == "cpu" || target == "auto")
    // Without the CUDA backend "auto" is the CPU.
    return std::make_unique<CpuDevice>();
  if (target == "cuda")
    throw UnavailableError(
        "target 'cuda' is not available: this build of the IDA runtime has "
        "no CUDA backend (configure with -DIDA_ENABLE_CUDA=ON where the CUDA "
        "toolkit is installed, or use the cpu or auto target)");
  throw Error("unknown target '" + target + "' (expected cpu, cuda or auto)");
}

} // namespace ida

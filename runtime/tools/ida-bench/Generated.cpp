//===- runtime/tools/ida-bench/Generated.cpp - time a bundle entry --------===//
#include "runtime/tools/ida-bench/Generated.h"

#include "runtime/support/Env.h"

#include <chrono>

#if defined(IDA_WITH_CUDA)
#include "runtime/backend/cuda/CudaDevice.h"
#endif

namespace ida::benchtool {

GeneratedEntry::GeneratedEntry(Launcher &launcher, const std::string &entry,
                               const TensorMap &inputs,
                               const RunOptions &options)
    : launcher_(launcher), entry_(launcher.bundle().manifest().entry(entry)) {
  const Manifest &m = launcher.bundle().manifest();
  Device &dev = launcher.device();
  InputRefs refs;
  for (const auto &[name, t] : inputs)
    refs[name] = &t;
  dims_ = bindEntryInputs(m, entry_, refs);

  auto allocate = [&](const std::string &name, size_t bytes) {
    DeviceBuffer buf = dev.allocate(bytes);
    pointers_[name] = buf.get();
    buffers_[name] = std::move(buf);
  };
  for (const auto &[name, t] : inputs) {
    allocate(name, t.nbytes());
    dev.copyToDevice(pointers_[name], t.data(), t.nbytes());
  }
  for (const std::string &name : entry_.outputs) {
    const BufferSpec &b = m.buffer(name);
    Shape shape = evalShape(b.shape, dims_, "output '" + name + "'");
    size_t bytes = size_t(shapeNumel(shape)) * dtypeSize(b.dtype);
    allocate(name, bytes);
    zeroed_[name] = bytes;
    outputShapes_[name] = {b.dtype, shape};
  }
  for (const std::string &name : entry_.temps) {
    const BufferSpec &b = m.buffer(name);
    Shape shape = evalShape(b.shape, dims_, "temp '" + name + "'");
    size_t bytes = size_t(shapeNumel(shape)) * dtypeSize(b.dtype);
    allocate(name, bytes);
    zeroed_[name] = bytes;
  }
  for (const StepSpec &step : entry_.steps) {
    const KernelSpec &k = m.kernel(step.kernel);
    KernelChoice choice = launcher.chooseConfig(entry_, k, dims_, options);
    choice.cacheKey = launcher.compile(k.name, choice.config)->cacheKey();
    env::log("ida-bench: kernel '" + k.name + "' runs [" +
             configString(choice.config, k.space.keys) + "] (" + choice.origin +
             ")");
    choices_.push_back(std::move(choice));
  }
}

void GeneratedEntry::launchSteps() {
  for (const KernelChoice &c : choices_)
    launcher_.launchKernel(c.kernel, c.config, dims_, pointers_);
}

double GeneratedEntry::run() {
  Device &dev = launcher_.device();
  for (const auto &[name, bytes] : zeroed_)
    dev.fillZero(pointers_[name], bytes);
  dev.synchronize();
#if defined(IDA_WITH_CUDA)
  if (auto *cuda = dynamic_cast<CudaDevice *>(&dev))
    return cuda->timeMs([&] { launchSteps(); });
#endif
  const auto t0 = std::chrono::steady_clock::now();
  launchSteps();
  dev.synchronize();
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

TensorMap GeneratedEntry::outputs() {
  Device &dev = launcher_.device();
  dev.synchronize();
  launcher_.checkLaunches(); // e.g. a CUDA tile arena that did not fit
  TensorMap out;
  for (const auto &[name, spec] : outputShapes_) {
    Tensor t(spec.first, spec.second);
    dev.copyToHost(t.data(), pointers_[name], t.nbytes());
    out.emplace(name, std::move(t));
  }
  return out;
}

} // namespace ida::benchtool

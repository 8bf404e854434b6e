//===- runtime/backend/cuda/CudaDevice.cpp - a GPU through the driver API -===//

#include "runtime/backend/cuda/CudaDevice.h"

#include "runtime/support/Env.h"
#include "runtime/support/Error.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace ida {

namespace {

constexpr int64_t kDefaultDynamicSmem = 48 * 1024;

CUdeviceptr devicePtr(const void *p) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p));
}

std::string configLabel(const Config &config) {
  return config.empty() ? "default" : configString(config);
}

/// The driver rejected a binary (as opposed to a missing symbol): a cached
/// binary that fails this way is rebuilt once.
class ModuleLoadError : public CompileError {
public:
  using CompileError::CompileError;
};

} // namespace

//===----------------------------------------------------------------------===//
// Context
//===----------------------------------------------------------------------===//

struct CudaContext {
  std::shared_ptr<const CudaDriver> driver;
  CUdevice device = 0;
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  bool retained = false;

  const CudaDriver &drv() const { return *driver; }
  void makeCurrent() const {
    driver->check(driver->cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }
  ~CudaContext() {
    // Errors are ignored: at process exit the driver may already be gone.
    if (!retained)
      return;
    driver->cuCtxSetCurrent(context);
    if (stream) {
      driver->cuStreamSynchronize(stream);
      driver->cuStreamDestroy(stream);
    }
    driver->cuDevicePrimaryCtxRelease(device);
  }
};

CudaDeviceOptions CudaDeviceOptions::fromEnv() {
  CudaDeviceOptions o;
  if (auto text = env::get("IDA_CUDA_DEVICE")) {
    char *end = nullptr;
    long n = std::strtol(text->c_str(), &end, 10);
    if (*end != '\0' || n < 0 || n > 1024)
      throw Error("IDA_CUDA_DEVICE='" + *text +
                  "' is not a device ordinal (0, 1, ...)");
    o.ordinal = int(n);
  }
  o.arch = env::get("IDA_CUDA_ARCH").value_or("");
  o.nvrtc = NvrtcOptions::fromEnv();
  return o;
}

//===----------------------------------------------------------------------===//
// Event timer
//===----------------------------------------------------------------------===//

CudaEventTimer::CudaEventTimer(std::shared_ptr<CudaContext> context)
    : context_(std::move(context)) {
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  d.check(d.cuEventCreate(&start_, CU_EVENT_DEFAULT), "cuEventCreate");
  CUresult r = d.cuEventCreate(&stop_, CU_EVENT_DEFAULT);
  if (r != CUDA_SUCCESS) {
    d.cuEventDestroy(start_);
    d.check(r, "cuEventCreate");
  }
}

CudaEventTimer::~CudaEventTimer() {
  const CudaDriver &d = context_->drv();
  d.cuCtxSetCurrent(context_->context);
  d.cuEventDestroy(start_);
  d.cuEventDestroy(stop_);
}

void CudaEventTimer::start() {
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  d.check(d.cuEventRecord(start_, context_->stream), "cuEventRecord",
          "timer start");
}

void CudaEventTimer::stop() {
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  d.check(d.cuEventRecord(stop_, context_->stream), "cuEventRecord",
          "timer stop");
}

float CudaEventTimer::elapsedMs() {
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  d.check(d.cuEventSynchronize(stop_), "cuEventSynchronize",
          "waiting for the timed work");
  float ms = 0;
  d.check(d.cuEventElapsedTime(&ms, start_, stop_), "cuEventElapsedTime");
  return ms;
}

//===----------------------------------------------------------------------===//
// Compiled kernel
//===----------------------------------------------------------------------===//

CudaCompiledKernel::CudaCompiledKernel(std::shared_ptr<CudaContext> context,
                                       std::shared_ptr<const CudaBinary> binary,
                                       const KernelBuildRequest &request)
    : context_(std::move(context)), binary_(std::move(binary)),
      kernelName_(request.kernelName),
      configLabel_(configLabel(request.config)), symbols_(request.symbols) {
  const CudaDriver &d = context_->drv();
  const std::string label = "kernel '" + kernelName_ + "' [" +
                            configLabel_ + "]";
  context_->makeCurrent();
  CUresult r = d.cuModuleLoadData(&module_, binary_->result.image.c_str());
  if (r != CUDA_SUCCESS)
    throw ModuleLoadError("loading " + label + " (" + binary_->result.arch +
                              ") on the GPU failed: cuModuleLoadData: " +
                              d.errorText(r) + "\n  binary: " + binary_->path +
                              "\n  bundle source: " + request.sourcePath,
                          binary_->result.log, request.sourcePath);
  for (const std::string &symbol : symbols_) {
    CUfunction f = nullptr;
    r = d.cuModuleGetFunction(&f, module_, symbol.c_str());
    if (r != CUDA_SUCCESS) {
      d.cuModuleUnload(module_);
      throw CompileError(label + " has no program '" + symbol +
                             "' (cuModuleGetFunction: " + d.errorText(r) +
                             "); entry points must be extern \"C\" "
                             "__global__\n  binary: " +
                             binary_->path + "\n  bundle source: " +
                             request.sourcePath,
                         binary_->result.log, request.sourcePath);
    }
    functions_.push_back(f);
  }
  smemLimit_.assign(functions_.size(), kDefaultDynamicSmem);
  launchedSmem_.assign(functions_.size(), -1);
  // Sources from the tile API carry the arena status; others (hand-written
  // kernels, bundles generated before it existed) simply have none.
  size_t bytes = 0;
  CUdeviceptr status = 0;
  if (d.cuModuleGetGlobal(&status, &bytes, module_, IDA_ARENA_STATUS_SYMBOL) ==
          CUDA_SUCCESS &&
      bytes == sizeof(IdaArenaStatus))
    status_ = status;
}

CudaCompiledKernel::~CudaCompiledKernel() {
  const CudaDriver &d = context_->drv();
  d.cuCtxSetCurrent(context_->context);
  d.cuModuleUnload(module_);
}

KernelResources CudaCompiledKernel::resources(size_t index) const {
  auto it = binary_->result.resources.find(symbols_.at(index));
  return it == binary_->result.resources.end() ? KernelResources()
                                                : it->second;
}

CudaFunctionInfo CudaCompiledKernel::functionInfo(size_t index) const {
  const CudaDriver &d = context_->drv();
  CUfunction f = functions_.at(index);
  context_->makeCurrent();
  CudaFunctionInfo info;
  auto get = [&](CUfunction_attribute a, int *out, const char *what) {
    d.check(d.cuFuncGetAttribute(out, a, f), "cuFuncGetAttribute", what);
  };
  get(CU_FUNC_ATTRIBUTE_NUM_REGS, &info.registers, "NUM_REGS");
  get(CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, &info.staticSmem, "SHARED_SIZE_BYTES");
  get(CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, &info.localBytes, "LOCAL_SIZE_BYTES");
  get(CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &info.maxThreadsPerBlock,
      "MAX_THREADS_PER_BLOCK");
  get(CU_FUNC_ATTRIBUTE_PTX_VERSION, &info.ptxVersion, "PTX_VERSION");
  get(CU_FUNC_ATTRIBUTE_BINARY_VERSION, &info.binaryVersion, "BINARY_VERSION");
  return info;
}

void CudaCompiledKernel::launch(size_t index, const IdaKernelArgs &args,
                                const LaunchGeometry &g) {
  const CudaDriver &d = context_->drv();
  if (index >= functions_.size())
    throw Error("kernel '" + kernelName_ + "' has " +
                std::to_string(functions_.size()) + " programs; program " +
                std::to_string(index) + " does not exist");
  const std::string &symbol = symbols_[index];
  auto where = [&] {
    return "kernel '" + kernelName_ + "' program '" + symbol + "', grid (" +
           std::to_string(g.grid[0]) + ", " + std::to_string(g.grid[1]) +
           ", " + std::to_string(g.grid[2]) + "), " +
           std::to_string(g.threads) + " threads, " + std::to_string(g.smem) +
           " bytes dynamic shared memory";
  };
  for (int i = 0; i < 3; ++i)
    if (g.grid[i] < 0)
      throw ArgumentError("negative grid size for " + where());
  if (g.grid[0] == 0 || g.grid[1] == 0 || g.grid[2] == 0)
    return; // nothing to run (e.g. an empty batch)
  if (g.grid[0] > INT32_MAX || g.grid[1] > 65535 || g.grid[2] > 65535)
    throw ArgumentError("grid too large for CUDA (x <= 2^31-1, y and z <= "
                        "65535) for " + where());
  if (g.threads < 1 || g.threads > 1024)
    throw ArgumentError("a CUDA block has 1 to 1024 threads; got " + where());
  if (g.smem < 0 || g.smem > INT32_MAX)
    throw ArgumentError("bad dynamic shared memory size for " + where());

  CUfunction f = functions_[index];
  context_->makeCurrent();
  if (g.smem > kDefaultDynamicSmem) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (g.smem > smemLimit_[index]) {
      CUresult r = d.cuFuncSetAttribute(
          f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, int(g.smem));
      if (r != CUDA_SUCCESS) {
        int optin = 0, statics = 0;
        d.cuDeviceGetAttribute(
            &optin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
            context_->device);
        d.cuFuncGetAttribute(&statics, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, f);
        d.check(r, "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)",
                where() + "; the device allows " + std::to_string(optin) +
                    " bytes per block, of which the program uses " +
                    std::to_string(statics) + " statically");
      }
      smemLimit_[index] = g.smem;
    }
  }
  IdaKernelArgs params = args; // cuLaunchKernel copies it before returning
  void *kernelParams[] = {&params};
  d.check(d.cuLaunchKernel(f, unsigned(g.grid[0]), unsigned(g.grid[1]),
                           unsigned(g.grid[2]), unsigned(g.threads), 1, 1,
                           unsigned(g.smem), context_->stream, kernelParams,
                           nullptr),
          "cuLaunchKernel", where());
  if (status_) {
    std::lock_guard<std::mutex> lock(mutex_);
    launchedSmem_[index] = g.smem;
  }
}

IdaArenaStatus CudaCompiledKernel::readArenaStatus() const {
  IdaArenaStatus s{};
  if (!status_)
    return s;
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  d.check(d.cuMemcpyDtoHAsync(&s, status_, sizeof s, context_->stream),
          "cuMemcpyDtoHAsync", "reading the arena status of kernel '" +
                                   kernelName_ + "'");
  d.check(d.cuStreamSynchronize(context_->stream), "cuStreamSynchronize",
          "reading the arena status of kernel '" + kernelName_ +
              "' (a kernel launched before it may have failed)");
  return s;
}

void CudaCompiledKernel::clearArenaStatus() {
  if (!status_)
    return;
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  d.check(d.cuMemsetD8Async(status_, 0, sizeof(IdaArenaStatus),
                            context_->stream),
          "cuMemsetD8Async", "clearing the arena status of kernel '" +
                                 kernelName_ + "'");
}

int64_t CudaCompiledKernel::arenaPeak() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_;
}

void CudaCompiledKernel::checkLaunches() {
  if (!status_)
    return;
  const IdaArenaStatus s = readArenaStatus();
  std::vector<int64_t> launched(functions_.size(), -1);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    launched.swap(launchedSmem_);
    if (s.peak > 0 && int64_t(s.peak) > peak_)
      peak_ = int64_t(s.peak);
  }
  if (s.overflow == 0)
    return;
  // Cleared on the stream before anything launched after this call, so the
  // next check reports only new overflows (the peak is a running maximum
  // and stays).
  const CudaDriver &d = context_->drv();
  d.check(d.cuMemsetD8Async(status_, 0, sizeof s.overflow, context_->stream),
          "cuMemsetD8Async", "clearing the arena overflow of kernel '" +
                                 kernelName_ + "'");
  const int64_t need = int64_t(s.overflow >> 32);
  const int64_t have = int64_t(s.overflow & 0xffffffffull);
  // The program at fault: the launched one(s) given exactly `have` bytes.
  std::string programs;
  int count = 0;
  for (size_t i = 0; i < launched.size(); ++i)
    if (launched[i] == have) {
      programs += (programs.empty() ? "'" : ", '") + symbols_[i] + "'";
      ++count;
    }
  std::string who = count == 1 ? "program " + programs
                    : count > 1 ? "one of its programs (" + programs + ")"
                                : std::string("a program");
  int optin = 0; // for the message only; a failed query leaves it out
  if (d.cuDeviceGetAttribute(
          &optin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
          context_->device) != CUDA_SUCCESS)
    optin = 0;
  throw ArenaOverflowError(
      "kernel '" + kernelName_ + "' [" + configLabel_ + "]: " + who +
          " ran out of shared memory for its tiles: it needs at least " +
          std::to_string(need) + " bytes of dynamic shared memory per block, "
          "but the launch gave " + std::to_string(have) +
          (optin > 0 ? " (the device allows up to " + std::to_string(optin) +
                           ")"
                     : std::string()) +
          ". Its blocks exited without computing, so the outputs of this "
          "launch are invalid; the CUDA device is still usable. Use a "
          "configuration with smaller tiles (IDA_CONFIG, e.g. a smaller C or "
          "BV) or launch with more dynamic shared memory",
      kernelName_, need, have);
}

//===----------------------------------------------------------------------===//
// Device
//===----------------------------------------------------------------------===//

CudaDevice::CudaDevice(CudaDeviceOptions options)
    : options_(std::move(options)), compiler_(options_.nvrtc) {
  auto driver = CudaDriver::open(options_.driverLibrary);
  const CudaDriver &d = *driver;
  try {
    int count = 0;
    d.check(d.cuDeviceGetCount(&count), "cuDeviceGetCount");
    if (count == 0)
      throw UnavailableError("no CUDA device: the driver (" + d.library() +
                             ") reports no GPU");
    if (options_.ordinal < 0 || options_.ordinal >= count)
      throw UnavailableError("no CUDA device " +
                             std::to_string(options_.ordinal) +
                             ": this machine has " + std::to_string(count) +
                             " (set IDA_CUDA_DEVICE to 0.." +
                             std::to_string(count - 1) + ")");
    auto context = std::make_shared<CudaContext>();
    context->driver = driver;
    d.check(d.cuDeviceGet(&context->device, options_.ordinal), "cuDeviceGet");
    char name[256] = {0};
    d.check(d.cuDeviceGetName(name, int(sizeof(name) - 1), context->device),
            "cuDeviceGetName");
    deviceName_ = name;
    int major = 0, minor = 0;
    d.check(d.cuDeviceGetAttribute(
                &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                context->device),
            "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
    d.check(d.cuDeviceGetAttribute(
                &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                context->device),
            "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
    capability_ = major * 10 + minor;
    d.check(d.cuDeviceTotalMem(&totalMemory_, context->device),
            "cuDeviceTotalMem");
    d.check(d.cuDevicePrimaryCtxRetain(&context->context, context->device),
            "cuDevicePrimaryCtxRetain");
    context->retained = true;
    context->makeCurrent();
    d.check(d.cuStreamCreate(&context->stream, CU_STREAM_NON_BLOCKING),
            "cuStreamCreate");
    context_ = std::move(context);
  } catch (const CudaError &e) {
    throw UnavailableError("CUDA device " + std::to_string(options_.ordinal) +
                           " cannot be used: " + e.what());
  }

  if (!options_.arch.empty()) {
    arch_ = options_.arch;
  } else {
    arch_ = "sm_" + std::to_string(capability_);
    if (!nvrtcSupportsArch(arch_)) {
      // A GPU newer than this NVRTC: PTX for the newest target it knows,
      // which the driver compiles for the GPU at load time.
      std::string best;
      for (const std::string &a : nvrtcSupportedArchs())
        if (std::atoi(a.c_str() + 3) <= capability_)
          best = a;
      if (!best.empty())
        arch_ = "compute_" + best.substr(3);
    }
  }
  env::log("CUDA device " + std::to_string(options_.ordinal) + ": " + name() +
           ", driver CUDA " + cudaVersionString(d.version()) + ", NVRTC " +
           nvrtcVersionString() + ", target " + arch_);
}

CudaDevice::~CudaDevice() {
  {
    std::lock_guard<std::mutex> lock(kernelsMutex_);
    kernels_.clear();
  }
  if (context_) {
    const CudaDriver &d = context_->drv();
    d.cuCtxSetCurrent(context_->context);
    d.cuStreamSynchronize(context_->stream);
  }
}

std::string CudaDevice::name() const {
  return "cuda: " + deviceName_ + " (sm_" + std::to_string(capability_) + ")";
}

int CudaDevice::driverVersion() const { return context_->drv().version(); }

int CudaDevice::attribute(CUdevice_attribute attribute) const {
  const CudaDriver &d = context_->drv();
  int value = 0;
  d.check(d.cuDeviceGetAttribute(&value, attribute, context_->device),
          "cuDeviceGetAttribute");
  return value;
}

CUstream CudaDevice::stream() const { return context_->stream; }

DeviceBuffer CudaDevice::allocate(size_t bytes) {
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  CUdeviceptr p = 0;
  CUresult r = d.cuMemAlloc(&p, bytes == 0 ? 1 : bytes);
  if (r != CUDA_SUCCESS) {
    size_t freeBytes = 0, total = 0;
    d.cuMemGetInfo(&freeBytes, &total);
    d.check(r, "cuMemAlloc",
            std::to_string(bytes) + " bytes; " + std::to_string(freeBytes) +
                " of " + std::to_string(total) + " bytes free on " + name());
  }
  return DeviceBuffer(this, reinterpret_cast<void *>(static_cast<uintptr_t>(p)),
                      bytes);
}

void CudaDevice::release(void *ptr, size_t) noexcept {
  const CudaDriver &d = context_->drv();
  if (d.cuCtxSetCurrent(context_->context) != CUDA_SUCCESS)
    return;
  CUresult r = d.cuMemFree(devicePtr(ptr));
  if (r != CUDA_SUCCESS)
    env::log("cuMemFree failed: " + d.errorText(r));
}

void CudaDevice::copyToDevice(void *dst, const void *src, size_t bytes) {
  if (bytes == 0)
    return;
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  d.check(d.cuMemcpyHtoDAsync(devicePtr(dst), src, bytes, context_->stream),
          "cuMemcpyHtoDAsync", std::to_string(bytes) + " bytes");
  // The caller may reuse `src` on return (as on the CPU).
  d.check(d.cuStreamSynchronize(context_->stream), "cuStreamSynchronize",
          "after a copy to the device");
}

void CudaDevice::copyToHost(void *dst, const void *src, size_t bytes) {
  if (bytes == 0)
    return;
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  d.check(d.cuMemcpyDtoHAsync(dst, devicePtr(src), bytes, context_->stream),
          "cuMemcpyDtoHAsync", std::to_string(bytes) + " bytes");
  d.check(d.cuStreamSynchronize(context_->stream), "cuStreamSynchronize",
          "after a copy to the host (a kernel launched before it may have "
          "failed)");
}

void CudaDevice::fillZero(void *dst, size_t bytes) {
  if (bytes == 0)
    return;
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  d.check(d.cuMemsetD8Async(devicePtr(dst), 0, bytes, context_->stream),
          "cuMemsetD8Async", std::to_string(bytes) + " bytes");
}

void CudaDevice::synchronize() {
  const CudaDriver &d = context_->drv();
  context_->makeCurrent();
  d.check(d.cuStreamSynchronize(context_->stream), "cuStreamSynchronize",
          "a kernel or copy issued earlier on " + name() + " failed");
}

std::unique_ptr<CudaEventTimer> CudaDevice::makeTimer() const {
  return std::make_unique<CudaEventTimer>(context_);
}

float CudaDevice::timeMs(const std::function<void()> &work) {
  CudaEventTimer timer(context_);
  timer.start();
  work();
  timer.stop();
  return timer.elapsedMs();
}

std::shared_ptr<CompiledKernel>
CudaDevice::compile(const KernelBuildRequest &request) {
  std::string memoKey = compiler_.cacheKey(request, arch_);
  for (const std::string &s : request.symbols)
    memoKey += "|" + s;
  {
    std::lock_guard<std::mutex> lock(kernelsMutex_);
    auto it = kernels_.find(memoKey);
    if (it != kernels_.end())
      return it->second;
  }
  auto binary = compiler_.build(request, arch_);
  std::shared_ptr<CudaCompiledKernel> kernel;
  try {
    kernel = std::make_shared<CudaCompiledKernel>(context_, binary, request);
  } catch (const ModuleLoadError &e) {
    // A cached binary the driver rejects (corrupt, or built by a toolchain
    // this driver cannot load) is rebuilt once.
    env::log(std::string(e.what()) + "; rebuilding it");
    compiler_.evict(binary->key);
    binary = compiler_.build(request, arch_);
    kernel = std::make_shared<CudaCompiledKernel>(context_, binary, request);
  }
  std::lock_guard<std::mutex> lock(kernelsMutex_);
  auto [it, inserted] = kernels_.emplace(memoKey, kernel);
  return it->second;
}

std::unique_ptr<Device> makeCudaDevice() {
  return std::make_unique<CudaDevice>(CudaDeviceOptions::fromEnv());
}

} // namespace ida

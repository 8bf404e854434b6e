//===- python/ida_module.cpp - the _ida extension ----------------------===//
//
// pybind11 bindings over the runtime for the `ida` package (docs/python.md):
//
//   Launcher(dir, target)    a bundle opened on a device (ida::Launcher)
//     .run(entry, {name: ndarray|None}, config) -> {name: ndarray}
//         host arrays: numpy, C-contiguous, the manifest's dtype exactly
//         (bf16 as uint16 bits); outputs are numpy arrays owning the
//         runtime's tensors (no copy).
//     .run_dlpack(entry, {name: obj|None}, config) -> {name: DeviceArray}
//         CUDA arrays from any DLPack producer, passed to the kernels by
//         device pointer (no host round trip); ordered after the producer's
//         pending work through __dlpack__(stream=<the device's stream>).
//     .tune(shapes, entry, retune) -> [report]   the autotuner, per kernel
//   devices(), cache_dir(), the error classes.
//
// Every launch and compile releases the GIL; a per-launcher mutex keeps one
// launcher single-threaded (ida::Launcher is not thread-safe).
//
//===----------------------------------------------------------------------===//

#include "runtime/autotune/Autotuner.h"
#include "runtime/backend/Device.h"
#include "runtime/bundle/Bundle.h"
#include "runtime/bundle/EntryNames.h"
#include "runtime/launcher/Launcher.h"
#include "runtime/launcher/ShapeBinder.h"
#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/tensor/Tensor.h"

#ifdef IDA_WITH_CUDA
#include "runtime/backend/cuda/CudaDevice.h"
#endif

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <sstream>

namespace py = pybind11;

namespace {

//===----------------------------------------------------------------------===//
// DLPack ABI (v0.8 "dltensor" capsules; stable layout).
//===----------------------------------------------------------------------===//

extern "C" {
enum DLDeviceTypeCode : int32_t { kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3 };
struct DLDevice {
  int32_t device_type;
  int32_t device_id;
};
enum DLDataTypeCode : uint8_t { kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBfloat = 4 };
struct DLDataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void *data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t *shape;
  int64_t *strides;
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void *manager_ctx;
  void (*deleter)(DLManagedTensor *self);
};
}

const char *dlDeviceName(int32_t type) {
  switch (type) {
  case kDLCPU:
    return "cpu";
  case kDLCUDA:
    return "cuda";
  case kDLCUDAHost:
    return "cuda_host";
  default:
    return "another device";
  }
}

DLDataType toDL(ida::DType d) {
  switch (d) {
  case ida::DType::F32:
    return {kDLFloat, 32, 1};
  case ida::DType::F64:
    return {kDLFloat, 64, 1};
  case ida::DType::F16:
    return {kDLFloat, 16, 1};
  case ida::DType::BF16:
    return {kDLBfloat, 16, 1};
  case ida::DType::I32:
    return {kDLInt, 32, 1};
  case ida::DType::I64:
    return {kDLInt, 64, 1};
  }
  return {kDLFloat, 32, 1};
}

std::string dlTypeName(DLDataType t) {
  std::string base = t.code == kDLFloat    ? "float"
                     : t.code == kDLBfloat ? "bfloat"
                     : t.code == kDLInt    ? "int"
                     : t.code == kDLUInt   ? "uint"
                                           : "type" + std::to_string(t.code);
  std::string s = base + std::to_string(t.bits);
  if (t.lanes != 1)
    s += "x" + std::to_string(t.lanes);
  return s;
}

/// The numpy/torch spelling users know for a manifest dtype.
const char *userDTypeName(ida::DType d) {
  switch (d) {
  case ida::DType::F32:
    return "float32";
  case ida::DType::F64:
    return "float64";
  case ida::DType::F16:
    return "float16";
  case ida::DType::BF16:
    return "bfloat16";
  case ida::DType::I32:
    return "int32";
  case ida::DType::I64:
    return "int64";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Exceptions: ida.Error and its subclasses; ArgumentError is also a
// ValueError (a bad argument is the caller's value).
//===----------------------------------------------------------------------===//

[[noreturn]] void throwArgument(const std::string &message) {
  throw ida::ArgumentError(message);
}

//===----------------------------------------------------------------------===//
// Host arrays.
//===----------------------------------------------------------------------===//

/// numpy dtype accepted for a manifest dtype (bf16: raw uint16 bits).
py::dtype numpyDTypeFor(ida::DType d) {
  switch (d) {
  case ida::DType::F32:
    return py::dtype::of<float>();
  case ida::DType::F64:
    return py::dtype::of<double>();
  case ida::DType::F16:
    return py::dtype("float16");
  case ida::DType::BF16:
    return py::dtype::of<uint16_t>();
  case ida::DType::I32:
    return py::dtype::of<int32_t>();
  case ida::DType::I64:
    return py::dtype::of<int64_t>();
  }
  return py::dtype::of<float>();
}

std::string describeArray(const py::array &a) {
  std::ostringstream os;
  os << py::str(a.dtype()).cast<std::string>() << " [";
  for (py::ssize_t i = 0; i < a.ndim(); ++i)
    os << (i ? ", " : "") << a.shape(i);
  os << "]";
  return os.str();
}

/// Checks a host input against its manifest buffer (dtype and layout; the
/// runtime checks the shape) and returns a view of it.
ida::Tensor hostView(const std::string &entry, const ida::BufferSpec &spec,
                     const std::string &label, py::handle obj) {
  if (!py::isinstance<py::array>(obj))
    throwArgument("input '" + label + "' of entry '" + entry +
                  "': expected a numpy array (" + userDTypeName(spec.dtype) +
                  " " + ida::shapeExprString(spec.shape) + "), got " +
                  py::str(py::type::of(obj)).cast<std::string>());
  py::array a = py::reinterpret_borrow<py::array>(obj);
  py::dtype want = numpyDTypeFor(spec.dtype);
  if (!a.dtype().equal(want))
    throwArgument("input '" + label + "': expected dtype " +
                  userDTypeName(spec.dtype) +
                  (spec.dtype == ida::DType::BF16 ? " (as uint16 bits)" : "") +
                  " " + ida::shapeExprString(spec.shape) + ", got " +
                  describeArray(a));
  if (!(a.flags() & py::array::c_style))
    throwArgument("input '" + label + "': expected a C-contiguous (row-major) "
                  "array, got strides that are not "
                  "(numpy.ascontiguousarray, torch's .contiguous())");
  ida::Shape shape(a.shape(), a.shape() + a.ndim());
  // Read-only arrays are fine: kernels never write inputs.
  return ida::Tensor::view(const_cast<void *>(a.data()), spec.dtype, shape);
}

/// A numpy array that owns a runtime tensor (no copy).
py::array toNumpy(ida::Tensor &&t) {
  auto *owned = new ida::Tensor(std::move(t));
  py::capsule base(owned, [](void *p) { delete static_cast<ida::Tensor *>(p); });
  std::vector<py::ssize_t> shape(owned->shape().begin(), owned->shape().end());
  return py::array(numpyDTypeFor(owned->dtype()), shape, {}, owned->data(),
                   base);
}

ida::Config parseConfig(py::handle config) {
  ida::Config out;
  if (config.is_none())
    return out;
  if (py::isinstance<py::str>(config))
    return ida::parseConfigString(config.cast<std::string>());
  for (auto item : config.cast<py::dict>())
    out[item.first.cast<std::string>()] = item.second.cast<int64_t>();
  return out;
}

// Users name an entry's buffers by their logical names ("q", not "q_1"):
// ida::logicalName / ida::manifestName (runtime/bundle/EntryNames.h), shared
// with ida-train's bundle core.
using ida::logicalName;
using ida::manifestName;

//===----------------------------------------------------------------------===//
// Device arrays: outputs of run_dlpack, exported through DLPack.
//===----------------------------------------------------------------------===//

struct LauncherHolder;

struct DeviceArrayData {
  std::shared_ptr<LauncherHolder> owner; // keeps the device alive
  ida::DeviceBuffer buffer;
  ida::DType dtype = ida::DType::F32;
  std::vector<int64_t> shape;
  int32_t deviceType = kDLCUDA;
  int32_t deviceId = 0;
  bool exported = false;
};

/// What a DLPack capsule's manager_ctx points to.
struct ExportCtx {
  std::shared_ptr<DeviceArrayData> data;
  DLManagedTensor managed{};
};

class DeviceArray {
public:
  explicit DeviceArray(std::shared_ptr<DeviceArrayData> data)
      : data_(std::move(data)) {}

  py::object dlpack(py::object stream) {
    (void)stream; // outputs are complete when run_dlpack returns
    if (data_->exported)
      throw ida::Error("this DeviceArray was already exported through "
                       "__dlpack__ (a DLPack capsule may be consumed once)");
    data_->exported = true;
    auto *ctx = new ExportCtx;
    ctx->data = data_;
    DLTensor &t = ctx->managed.dl_tensor;
    t.data = data_->buffer.get();
    t.device = {data_->deviceType, data_->deviceId};
    t.ndim = int32_t(data_->shape.size());
    t.dtype = toDL(data_->dtype);
    t.shape = data_->shape.data();
    t.strides = nullptr; // compact row-major
    t.byte_offset = 0;
    ctx->managed.manager_ctx = ctx;
    ctx->managed.deleter = [](DLManagedTensor *self) {
      delete static_cast<ExportCtx *>(self->manager_ctx);
    };
    PyObject *cap = PyCapsule_New(&ctx->managed, "dltensor", [](PyObject *c) {
      // Only an unconsumed capsule still owns its tensor.
      if (PyCapsule_IsValid(c, "dltensor")) {
        auto *m = static_cast<DLManagedTensor *>(
            PyCapsule_GetPointer(c, "dltensor"));
        if (m && m->deleter)
          m->deleter(m);
      }
    });
    if (!cap) {
      delete ctx;
      throw py::error_already_set();
    }
    return py::reinterpret_steal<py::object>(cap);
  }

  py::tuple dlpackDevice() const {
    return py::make_tuple(data_->deviceType, data_->deviceId);
  }
  std::vector<int64_t> shape() const { return data_->shape; }
  std::string dtype() const { return userDTypeName(data_->dtype); }

private:
  std::shared_ptr<DeviceArrayData> data_;
};

//===----------------------------------------------------------------------===//
// Launcher.
//===----------------------------------------------------------------------===//

struct LauncherHolder {
  std::unique_ptr<ida::Launcher> launcher;
  std::mutex mutex;
  std::string dir;
  std::string requestedTarget;
};

/// A consumed DLPack input: the capsule's tensor, released in the dtor.
struct ImportedTensor {
  DLManagedTensor *managed = nullptr;
  ImportedTensor() = default;
  ImportedTensor(const ImportedTensor &) = delete;
  ImportedTensor(ImportedTensor &&o) noexcept : managed(o.managed) {
    o.managed = nullptr;
  }
  ~ImportedTensor() {
    if (managed && managed->deleter)
      managed->deleter(managed);
  }
};

class PyLauncher {
public:
  PyLauncher(const std::string &dir, const std::string &target)
      : holder_(std::make_shared<LauncherHolder>()) {
    holder_->dir = dir;
    holder_->requestedTarget = target;
    py::gil_scoped_release release; // opening may probe the driver
    holder_->launcher =
        std::make_unique<ida::Launcher>(ida::Launcher::open(dir, target));
  }

  ida::Launcher &launcher() { return *holder_->launcher; }

  std::string target() {
    return ida::targetName(launcher().device().target());
  }
  std::string deviceName() { return launcher().device().name(); }
  int deviceOrdinal() {
#ifdef IDA_WITH_CUDA
    if (auto *cuda = dynamic_cast<ida::CudaDevice *>(&launcher().device()))
      return cuda->ordinal();
#endif
    return 0;
  }

  /// {entry: {"inputs": [(name, dtype, shape, optional, manifest name)],
  ///          "outputs": [...], "kernels": [...]}}; `name` is what users pass.
  py::dict entries() {
    const ida::Manifest &m = launcher().bundle().manifest();
    py::dict out;
    auto describe = [&](const ida::EntrySpec &entry, const std::string &name) {
      const ida::BufferSpec &b = m.buffer(name);
      py::list shape;
      for (const ida::Expr &e : b.shape)
        shape.append(e.text());
      return py::make_tuple(logicalName(entry, name), ida::dtypeName(b.dtype),
                            shape, b.optional, name);
    };
    for (const auto &[name, e] : m.entries) {
      py::list ins, outs, kernels;
      for (const std::string &n : e.inputs)
        ins.append(describe(e, n));
      for (const std::string &n : e.outputs)
        outs.append(describe(e, n));
      for (const ida::StepSpec &s : e.steps)
        kernels.append(s.kernel);
      py::dict d;
      d["inputs"] = ins;
      d["outputs"] = outs;
      d["kernels"] = kernels;
      out[py::str(name)] = d;
    }
    return out;
  }

  py::dict statics() {
    py::dict d;
    for (const auto &[k, v] : launcher().bundle().manifest().statics)
      d[py::str(k)] = v;
    return d;
  }

  std::string source(const std::string &kernel, const std::string &target) {
    return launcher().bundle().source(kernel, target);
  }
  std::vector<std::string> kernels() {
    std::vector<std::string> out;
    for (const auto &[k, _] : launcher().bundle().manifest().kernels)
      out.push_back(k);
    return out;
  }
  bool hasSource(const std::string &kernel, const std::string &target) {
    return launcher().bundle().hasSource(kernel, target);
  }

  /// Maps user names to manifest names, rejecting unknown ones.
  std::vector<std::pair<std::string, py::handle>>
  resolveInputs(const ida::EntrySpec &entry, const py::dict &inputs) {
    std::vector<std::pair<std::string, py::handle>> out;
    for (auto item : inputs) {
      std::string given = py::str(item.first).cast<std::string>();
      std::string name = manifestName(entry, entry.inputs, given);
      if (name.empty())
        throwArgument("entry '" + entry.name + "' has no input '" + given +
                      "' (inputs: " + ida::joinLogicalNames(entry, entry.inputs) + ")");
      if (item.second.is_none())
        continue;
      out.emplace_back(name, item.second);
    }
    return out;
  }

  py::dict run(const std::string &entryName, const py::dict &inputs,
               py::handle config) {
    ida::Launcher &l = launcher();
    const ida::Manifest &m = l.bundle().manifest();
    const ida::EntrySpec &entry = m.entry(entryName);
    std::map<std::string, ida::Tensor> views;
    std::vector<py::object> keepAlive;
    for (auto &[name, obj] : resolveInputs(entry, inputs)) {
      views.emplace(name, hostView(entryName, m.buffer(name),
                                   logicalName(entry, name), obj));
      keepAlive.push_back(py::reinterpret_borrow<py::object>(obj));
    }
    ida::RunOptions options;
    options.forcedConfig = parseConfig(config);
    ida::TensorMap outputs;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(holder_->mutex);
      outputs = l.run(entryName, views, options);
    }
    py::dict result;
    for (auto &[name, t] : outputs)
      result[py::str(logicalName(entry, name))] = toNumpy(std::move(t));
    return result;
  }

  /// Kernel choices of the last run() or run_dlpack() of this launcher.
  py::list lastChoices() {
    py::list out;
    for (const ida::KernelChoice &c : launcher().lastChoices()) {
      py::dict d;
      d["kernel"] = c.kernel;
      py::dict cfg;
      for (const auto &[k, v] : c.config)
        cfg[py::str(k)] = v;
      d["config"] = cfg;
      d["origin"] = c.origin;
      d["cache_key"] = c.cacheKey;
      out.append(d);
    }
    return out;
  }

  /// The stream handle to give producers' __dlpack__(stream=...).
  py::object streamHandle() {
#ifdef IDA_WITH_CUDA
    if (auto *cuda = dynamic_cast<ida::CudaDevice *>(&launcher().device()))
      return py::int_(reinterpret_cast<uintptr_t>(cuda->stream()));
#endif
    return py::none();
  }

  py::dict runDlpack(const std::string &entryName, const py::dict &inputs,
                     py::handle config) {
    ida::Launcher &l = launcher();
    ida::Device &device = l.device();
    if (device.target() != ida::Target::Cuda)
      throw ida::UnavailableError(
          "run_dlpack needs a CUDA launcher (this one runs on " +
          std::string(ida::targetName(device.target())) +
          "); pass host arrays as numpy");
    const ida::Manifest &m = l.bundle().manifest();
    const ida::EntrySpec &entry = m.entry(entryName);
    int ordinal = deviceOrdinal();
    py::object stream = streamHandle();

    std::vector<ImportedTensor> imported;
    std::map<std::string, ida::Tensor> views; // shape/dtype for the binder
    for (auto &[name, obj] : resolveInputs(entry, inputs)) {
      const ida::BufferSpec &spec = m.buffer(name);
      std::string label = logicalName(entry, name);
      if (!py::hasattr(obj, "__dlpack__"))
        throwArgument("input '" + label + "': expected a CUDA array with "
                      "__dlpack__ (PyTorch, CuPy), got " +
                      py::str(py::type::of(obj)).cast<std::string>());
      if (py::hasattr(obj, "__dlpack_device__")) {
        py::tuple dev = obj.attr("__dlpack_device__")();
        int type = dev[0].cast<int>(), id = dev[1].cast<int>();
        if (type != kDLCUDA || id != ordinal)
          throwArgument("input '" + label + "': expected an array on cuda:" +
                        std::to_string(ordinal) + " (the layer's device), "
                        "got one on " + dlDeviceName(type) + ":" +
                        std::to_string(id));
      }
      py::object cap = obj.attr("__dlpack__")(py::arg("stream") = stream);
      if (!PyCapsule_IsValid(cap.ptr(), "dltensor"))
        throwArgument("input '" + label + "': __dlpack__ did not return a "
                      "'dltensor' capsule");
      auto *managed = static_cast<DLManagedTensor *>(
          PyCapsule_GetPointer(cap.ptr(), "dltensor"));
      PyCapsule_SetName(cap.ptr(), "used_dltensor");
      ImportedTensor owned;
      owned.managed = managed;
      imported.push_back(std::move(owned));
      const DLTensor &t = managed->dl_tensor;
      if (t.device.device_type != kDLCUDA || t.device.device_id != ordinal)
        throwArgument("input '" + label + "': expected an array on cuda:" +
                      std::to_string(ordinal) + ", got one on " +
                      dlDeviceName(t.device.device_type) + ":" +
                      std::to_string(t.device.device_id));
      DLDataType want = toDL(spec.dtype);
      if (t.dtype.code != want.code || t.dtype.bits != want.bits ||
          t.dtype.lanes != 1)
        throwArgument("input '" + label + "': expected dtype " +
                      userDTypeName(spec.dtype) + " " +
                      ida::shapeExprString(spec.shape) + ", got " +
                      dlTypeName(t.dtype));
      ida::Shape shape(t.shape, t.shape + t.ndim);
      if (t.strides) {
        int64_t expect = 1;
        for (int i = t.ndim - 1; i >= 0; --i) {
          if (shape[i] != 1 && t.strides[i] != expect)
            throwArgument("input '" + label + "': expected a contiguous "
                          "(row-major) array, got strides that are not "
                          "(call .contiguous())");
          expect *= shape[i];
        }
      }
      void *ptr = static_cast<char *>(t.data) + t.byte_offset;
      views.emplace(name, ida::Tensor::view(ptr, spec.dtype, shape));
    }

    ida::RunOptions options;
    options.forcedConfig = parseConfig(config);
    auto owner = holder_;
    std::map<std::string, std::shared_ptr<DeviceArrayData>> outputs;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(holder_->mutex);
      ida::InputRefs refs;
      for (auto &[n, t] : views)
        refs[n] = &t;
      for (const ida::StepSpec &step : entry.steps)
        (void)l.bundle().source(step.kernel, "cuda");
      ida::Bindings dims = ida::bindEntryInputs(m, entry, refs);
      std::map<std::string, ida::DeviceSpan> spans;
      for (const std::string &name : entry.outputs) {
        const ida::BufferSpec &b = m.buffer(name);
        auto data = std::make_shared<DeviceArrayData>();
        data->owner = owner;
        data->dtype = b.dtype;
        data->shape = ida::evalShape(b.shape, dims, "output '" + name + "'");
        data->deviceType = kDLCUDA;
        data->deviceId = ordinal;
        size_t bytes =
            size_t(ida::shapeNumel(data->shape)) * ida::dtypeSize(b.dtype);
        data->buffer = device.allocate(bytes);
        spans[name] = ida::DeviceSpan{data->buffer.get(), bytes};
        outputs[name] = data;
      }
      // Temps, launches, the wait and the launch-status check (a
      // configuration whose tiles did not fit is an ida.Error naming it);
      // outputs are complete and inputs no longer read when this returns.
      l.runOnDevice(entryName, refs, spans, options);
    }
    imported.clear();
    py::dict result;
    for (auto &[name, data] : outputs)
      result[py::str(logicalName(entry, name))] = DeviceArray(data);
    return result;
  }

  /// Autotunes every kernel of `entry` (all entries when empty) at each
  /// (B, T) (or (B, T, H)) of `shapes`; returns one report per kernel and
  /// shape.
  py::list tune(const std::vector<std::vector<int64_t>> &shapes,
                const std::string &entryName, bool retune) {
    ida::Launcher &l = launcher();
    const ida::Manifest &m = l.bundle().manifest();
    std::vector<std::string> kernels;
    for (const auto &[name, e] : m.entries) {
      if (!entryName.empty() && name != entryName)
        continue;
      for (const ida::StepSpec &s : e.steps)
        if (std::find(kernels.begin(), kernels.end(), s.kernel) ==
            kernels.end())
          kernels.push_back(s.kernel);
    }
    if (!entryName.empty())
      (void)m.entry(entryName); // names the known entries when unknown
    std::vector<ida::Bindings> allDims;
    for (const std::vector<int64_t> &s : shapes) {
      if (s.size() != 2 && s.size() != 3)
        throwArgument("autotune shape: expected (B, T) or (B, T, H), got " +
                      std::to_string(s.size()) + " values");
      ida::Bindings b = m.statics;
      b["B"] = s[0];
      b["T"] = s[1];
      auto h = m.statics.find("H");
      if (h != m.statics.end()) {
        if (s.size() == 3 && s[2] != h->second)
          throwArgument("autotune shape: the layer's H is " +
                        std::to_string(h->second) + ", not " +
                        std::to_string(s[2]));
      } else {
        if (s.size() != 3)
          throwArgument("autotune shape: the bundle's H is dynamic; give "
                        "(B, T, H)");
        b["H"] = s[2];
      }
      allDims.push_back(b);
    }
    std::vector<ida::autotune::TuneReport> reports;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(holder_->mutex);
      std::shared_ptr<ida::autotune::Autotuner> tuner =
          std::dynamic_pointer_cast<ida::autotune::Autotuner>(
              ida::autotune::defaultSelector());
      if (!tuner) { // IDA_AUTOTUNE=0: an explicit request still tunes
        ida::autotune::TunerOptions opts =
            ida::autotune::TunerOptions::fromEnv();
        opts.mode = ida::autotune::TunerOptions::Mode::Tune;
        tuner = std::make_shared<ida::autotune::Autotuner>(opts);
      }
      const char *tname = ida::targetName(l.device().target());
      for (const ida::Bindings &dims : allDims)
        for (const std::string &name : kernels) {
          if (!l.bundle().hasSource(name, tname))
            throw ida::UnavailableError("kernel '" + name + "' has no " +
                                        tname + " source");
          reports.push_back(
              tuner->tune(l.bundle(), m.kernel(name), dims, l.device(), retune));
        }
    }
    py::list out;
    for (const ida::autotune::TuneReport &r : reports) {
      py::dict d;
      d["kernel"] = r.kernel;
      d["device"] = r.device;
      py::dict dims;
      for (const char *k : {"B", "T", "H"})
        if (r.dims.count(k))
          dims[k] = r.dims.at(k);
      d["dims"] = dims;
      d["from_records"] = r.fromRecords;
      d["seconds"] = r.seconds;
      py::list cands;
      for (const ida::autotune::Candidate &c : r.candidates) {
        py::dict cd;
        py::dict cfg;
        for (const auto &[k, v] : c.config)
          cfg[py::str(k)] = v;
        cd["config"] = cfg;
        cd["status"] = c.status;
        cd["reason"] = c.reason;
        cd["median_ms"] = c.medianMs;
        cands.append(cd);
      }
      d["candidates"] = cands;
      if (r.winner >= 0) {
        py::dict cfg;
        for (const auto &[k, v] : r.candidates[size_t(r.winner)].config)
          cfg[py::str(k)] = v;
        d["config"] = cfg;
        d["median_ms"] = r.candidates[size_t(r.winner)].medianMs;
      } else {
        d["config"] = py::none();
        d["median_ms"] = py::none();
      }
      out.append(d);
    }
    return out;
  }

private:
  std::shared_ptr<LauncherHolder> holder_;
};

py::list devices() {
  py::list out;
  {
    auto cpu = ida::makeDevice("cpu");
    py::dict d;
    d["target"] = "cpu";
    d["name"] = cpu->name();
    d["available"] = true;
    d["reason"] = "";
    out.append(d);
  }
  py::dict d;
  d["target"] = "cuda";
  std::string name, reason;
  bool ok = false;
  {
    py::gil_scoped_release release;
    try {
      auto cuda = ida::makeDevice("cuda");
      name = cuda->name();
      ok = true;
    } catch (const ida::Error &e) {
      reason = e.what();
    }
  }
  d["name"] = name;
  d["available"] = ok;
  d["reason"] = reason;
  out.append(d);
  return out;
}

} // namespace

PYBIND11_MODULE(_ida, mod) {
  mod.doc() = "IDA runtime bindings (internal; use the ida package)";

  // The classes live as long as the process (leaked on purpose: no
  // destructor may run after the interpreter is finalised).
  static PyObject *error = nullptr, *argumentError = nullptr,
                  *manifestError = nullptr, *compileError = nullptr,
                  *configError = nullptr, *unavailableError = nullptr,
                  *fileError = nullptr;
  auto makeClass = [&](const char *name, PyObject *base, PyObject *extra) {
    py::tuple bases;
    if (extra)
      bases = py::make_tuple(py::handle(base), py::handle(extra));
    else
      bases = py::make_tuple(py::handle(base));
    PyObject *cls = PyErr_NewException(
        (std::string("ida._ida.") + name).c_str(), bases.ptr(), nullptr);
    if (!cls)
      throw py::error_already_set();
    mod.attr(name) = py::handle(cls);
    return cls; // the new reference is kept forever
  };
  error = makeClass("Error", PyExc_RuntimeError, nullptr);
  // ArgumentError and ConfigError are also ValueErrors: the caller's values.
  argumentError = makeClass("ArgumentError", error, PyExc_ValueError);
  manifestError = makeClass("ManifestError", error, nullptr);
  compileError = makeClass("CompileError", error, nullptr);
  configError = makeClass("ConfigError", error, PyExc_ValueError);
  unavailableError = makeClass("UnavailableError", error, nullptr);
  fileError = makeClass("FileError", error, PyExc_OSError);

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p)
        std::rethrow_exception(p);
    } catch (const ida::ArgumentError &e) {
      PyErr_SetString(argumentError, e.what());
    } catch (const ida::ExprError &e) {
      PyErr_SetString(argumentError, e.what());
    } catch (const ida::ManifestError &e) {
      PyErr_SetString(manifestError, e.what());
    } catch (const ida::CompileError &e) {
      py::object exc =
          py::handle(compileError)(std::string(e.what()));
      exc.attr("log") = e.log();
      exc.attr("source_path") = e.sourcePath();
      PyErr_SetObject(compileError, exc.ptr());
    } catch (const ida::ConfigError &e) {
      PyErr_SetString(configError, e.what());
    } catch (const ida::UnavailableError &e) {
      PyErr_SetString(unavailableError, e.what());
    } catch (const ida::FileError &e) {
      PyErr_SetString(fileError, e.what());
    } catch (const ida::Error &e) {
      PyErr_SetString(error, e.what());
    }
  });

  py::class_<DeviceArray>(mod, "DeviceArray",
                          "A device array returned by run_dlpack; hand it to "
                          "torch.from_dlpack / cupy.from_dlpack (once).")
      // Consumers may also pass max_version, dl_device, copy: the answer is
      // a legacy "dltensor" capsule, which every consumer accepts.
      .def(
          "__dlpack__",
          [](DeviceArray &a, py::object stream, const py::kwargs &) {
            return a.dlpack(std::move(stream));
          },
          py::arg("stream") = py::none())
      .def("__dlpack_device__", &DeviceArray::dlpackDevice)
      .def_property_readonly("shape", &DeviceArray::shape)
      .def_property_readonly("dtype", &DeviceArray::dtype);

  py::class_<PyLauncher, std::shared_ptr<PyLauncher>>(mod, "Launcher")
      .def(py::init<const std::string &, const std::string &>(),
           py::arg("bundle_dir"), py::arg("target") = "auto")
      .def_property_readonly("target", &PyLauncher::target)
      .def_property_readonly("device_name", &PyLauncher::deviceName)
      .def_property_readonly("device_ordinal", &PyLauncher::deviceOrdinal)
      .def("entries", &PyLauncher::entries)
      .def("statics", &PyLauncher::statics)
      .def("kernels", &PyLauncher::kernels)
      .def("has_source", &PyLauncher::hasSource)
      .def("source", &PyLauncher::source, py::arg("kernel"), py::arg("target"))
      .def("run", &PyLauncher::run, py::arg("entry"), py::arg("inputs"),
           py::arg("config") = py::none())
      .def("run_dlpack", &PyLauncher::runDlpack, py::arg("entry"),
           py::arg("inputs"), py::arg("config") = py::none())
      .def("stream_handle", &PyLauncher::streamHandle)
      .def("last_choices", &PyLauncher::lastChoices)
      .def("tune", &PyLauncher::tune, py::arg("shapes"),
           py::arg("entry") = "", py::arg("retune") = false);

  mod.def("devices", &devices,
          "Every target of this build: [{target, name, available, reason}]");
  mod.def("cache_dir", &ida::env::cacheDir,
          "Root of the on-disk caches ($IDA_CACHE_DIR, ...)");
#ifdef IDA_WITH_CUDA
  mod.attr("cuda_backend") = true;
#else
  mod.attr("cuda_backend") = false;
#endif
}

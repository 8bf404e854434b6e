//===- runtime/autotune/Autotuner.cpp - per-device configuration search ---===//

#include "runtime/autotune/Autotuner.h"

#include "runtime/backend/cpu/CpuDevice.h"
#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "runtime/tensor/Tensor.h"

#ifdef IDA_WITH_CUDA
#include "runtime/backend/cuda/CudaDevice.h"
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

namespace ida::autotune {

namespace fs = std::filesystem;

//===----------------------------------------------------------------------===//
// Runtime keys
//===----------------------------------------------------------------------===//

std::shared_ptr<CompiledKernel> compileConfig(Device &device,
                                              KernelBuildRequest request) {
  int64_t threads = 0;
  auto it = request.config.find(kThreadsKey);
  if (it != request.config.end()) {
    threads = it->second;
    request.config.erase(it);
  }
  auto *cpu = dynamic_cast<CpuDevice *>(&device);
  if (threads <= 0 || !cpu)
    return device.compile(request);
  // A CPU kernel captures the device's thread count when it is made; the
  // binary itself is shared (the request no longer mentions THREADS).
  struct Restore {
    CpuDevice *cpu;
    int saved;
    ~Restore() { cpu->setNumThreads(saved); }
  } restore{cpu, cpu->numThreads()};
  cpu->setNumThreads(int(std::min<int64_t>(threads, 1 << 16)));
  return device.compile(request);
}

//===----------------------------------------------------------------------===//
// Limits
//===----------------------------------------------------------------------===//

DeviceLimits deviceLimits(Device &device) {
  DeviceLimits l;
#ifdef IDA_WITH_CUDA
  if (auto *cuda = dynamic_cast<CudaDevice *>(&device)) {
    l.maxThreadsPerBlock =
        cuda->attribute(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
    l.maxSmemPerBlock =
        cuda->attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
    l.maxRegistersPerBlock =
        cuda->attribute(CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK);
    l.maxGrid[0] = cuda->attribute(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X);
    l.maxGrid[1] = cuda->attribute(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y);
    l.maxGrid[2] = cuda->attribute(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z);
  }
#else
  (void)device;
#endif
  return l;
}

std::optional<std::string>
checkLimits(const KernelSpec &kernel, const Config &config,
            const Bindings &dims, const DeviceLimits &limits,
            const std::vector<ProgramResources> *resources) {
  Bindings scope = dims;
  for (const auto &[k, v] : config)
    scope[k] = v;
  for (const WorkspaceSpec &w : kernel.workspaces)
    for (const Expr &e : w.shape) {
      try {
        if (e.eval(scope) < 0)
          return "workspace '@" + w.name + "' has a negative extent ('" +
                 e.text() + "')";
      } catch (const ExprError &err) {
        return "workspace '@" + w.name + "': " + err.what();
      }
    }
  for (size_t p = 0; p < kernel.programs.size(); ++p) {
    const ProgramSpec &prog = kernel.programs[p];
    const std::string where = "program '" + prog.symbol + "'";
    int64_t grid[3], threads, smem;
    try {
      for (int g = 0; g < 3; ++g)
        grid[g] = prog.grid[g].eval(scope);
      threads = prog.threads.eval(scope);
      smem = prog.smem.eval(scope);
    } catch (const ExprError &err) {
      return where + ": " + err.what();
    }
    for (int g = 0; g < 3; ++g) {
      if (grid[g] < 0)
        return where + ": grid extent " + std::to_string(g) + " ('" +
               prog.grid[g].text() + "') is " + std::to_string(grid[g]);
      if (limits.maxGrid[g] > 0 && grid[g] > limits.maxGrid[g])
        return where + ": grid extent " + std::to_string(g) + " is " +
               std::to_string(grid[g]) + ", over the device's limit of " +
               std::to_string(limits.maxGrid[g]);
    }
    if (limits.maxThreadsPerBlock > 0 &&
        (threads < 1 || threads > limits.maxThreadsPerBlock))
      return where + " launches " + std::to_string(threads) +
             " threads per block; the device allows 1 to " +
             std::to_string(limits.maxThreadsPerBlock);
    const ProgramResources *r =
        resources && p < resources->size() ? &(*resources)[p] : nullptr;
    int64_t staticSmem = r ? r->staticSmem : 0;
    if (limits.maxSmemPerBlock > 0 &&
        (smem < 0 || smem + staticSmem > limits.maxSmemPerBlock))
      return where + " needs " + std::to_string(smem + staticSmem) +
             " bytes of shared memory per block (" + std::to_string(smem) +
             " dynamic" +
             (staticSmem ? " + " + std::to_string(staticSmem) + " static" : "") +
             "), more than the device's " +
             std::to_string(limits.maxSmemPerBlock);
    if (r) {
      if (r->maxThreadsPerBlock > 0 && threads > r->maxThreadsPerBlock)
        return where + " uses " + std::to_string(r->registers) +
               " registers per thread, which allows at most " +
               std::to_string(r->maxThreadsPerBlock) +
               " threads per block, but launches " + std::to_string(threads);
      if (r->registers > 0 && limits.maxRegistersPerBlock > 0 &&
          int64_t(r->registers) * threads > limits.maxRegistersPerBlock)
        return where + " needs " + std::to_string(r->registers) +
               " registers x " + std::to_string(threads) + " threads = " +
               std::to_string(int64_t(r->registers) * threads) +
               " registers per block, more than the device's " +
               std::to_string(limits.maxRegistersPerBlock);
    }
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

namespace {

long envInt(const char *name, long fallback, long lo, long hi) {
  auto text = env::get(name);
  if (!text)
    return fallback;
  char *end = nullptr;
  long v = std::strtol(text->c_str(), &end, 10);
  if (*end != '\0' || v < lo || v > hi)
    throw Error(std::string(name) + "='" + *text +
                "' is not an integer from " + std::to_string(lo) + " to " +
                std::to_string(hi));
  return v;
}

std::string firstLine(const std::string &text) {
  return text.substr(0, text.find('\n'));
}

/// The pruning reason of a configuration whose tiles did not fit.
std::string arenaReason(const ArenaOverflowError &e) {
  return "shared-memory arena: needs >= " + std::to_string(e.needBytes()) +
         " bytes, block has " + std::to_string(e.availableBytes());
}

double medianOf(std::vector<double> v) {
  if (v.empty())
    return -1;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

} // namespace

TunerOptions TunerOptions::fromEnv() {
  TunerOptions o;
  if (auto mode = env::get("IDA_AUTOTUNE")) {
    if (*mode == "0" || *mode == "off")
      o.mode = Mode::Off;
    else if (*mode == "cached")
      o.mode = Mode::Cached;
    else if (*mode == "1" || *mode == "on")
      o.mode = Mode::Tune;
    else
      throw Error("IDA_AUTOTUNE='" + *mode +
                  "': expected 1 (tune, the default), 0 (manifest defaults) "
                  "or cached (records only)");
  }
  if (auto file = env::get("IDA_TUNING_FILE"))
    o.tuningFile = *file;
  if (auto p = env::get("IDA_PRINT_AUTOTUNING"))
    o.print = *p != "0";
  o.warmup = int(envInt("IDA_AUTOTUNE_WARMUP", o.warmup, 0, 1000));
  o.minRepeats = int(envInt("IDA_AUTOTUNE_REPEATS", o.minRepeats, 1, 10000));
  o.maxRepeats = std::max(o.maxRepeats, o.minRepeats);
  if (auto rtol = env::get("IDA_AUTOTUNE_RTOL")) {
    char *end = nullptr;
    o.rtol = std::strtod(rtol->c_str(), &end);
    if (*end != '\0' || !(o.rtol > 0))
      throw Error("IDA_AUTOTUNE_RTOL='" + *rtol +
                  "' is not a positive number");
  }
  return o;
}

//===----------------------------------------------------------------------===//
// Output check
//===----------------------------------------------------------------------===//

namespace {

double defaultRtol(DType dtype) {
  switch (dtype) {
  case DType::F64: return 1e-6;
  case DType::F32: return 1e-4;
  case DType::BF16:
  case DType::F16: return 2e-2;
  default: return 0;
  }
}

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

} // namespace

std::optional<std::string>
checkOutputs(const std::map<std::string, std::vector<double>> &baseline,
             const std::map<std::string, std::vector<double>> &candidate,
             const std::map<std::string, DType> &dtypes, double rtol) {
  for (const auto &[name, want] : baseline) {
    auto it = candidate.find(name);
    if (it == candidate.end() || it->second.size() != want.size())
      return "output '" + name + "' is missing or has another size";
    const std::vector<double> &got = it->second;
    DType dtype = dtypes.count(name) ? dtypes.at(name) : DType::F32;
    if (!isFloating(dtype)) {
      for (size_t i = 0; i < want.size(); ++i)
        if (got[i] != want[i])
          return "integer output '" + name + "' differs from the baseline at "
                 "element " + std::to_string(i) + " (" + fmt(got[i]) +
                 " vs " + fmt(want[i]) + ")";
      continue;
    }
    double tolRel = rtol > 0 ? rtol : defaultRtol(dtype);
    double scale = 0, worst = 0;
    size_t worstAt = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      if (!std::isfinite(want[i]))
        continue;
      scale = std::max(scale, std::fabs(want[i]));
      if (!std::isfinite(got[i]))
        return "output '" + name + "' has a non-finite value at element " +
               std::to_string(i) + " where the baseline has " + fmt(want[i]);
      double d = std::fabs(got[i] - want[i]);
      if (d > worst) {
        worst = d;
        worstAt = i;
      }
    }
    double tol = tolRel * scale + tolRel * 1e-3;
    if (worst > tol)
      return "output '" + name + "' differs from the baseline: max |diff| " +
             fmt(worst) + " at element " + std::to_string(worstAt) +
             " > tolerance " + fmt(tol) + " (rtol " + fmt(tolRel) +
             " x max|baseline| " + fmt(scale) + ")";
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Candidates
//===----------------------------------------------------------------------===//

namespace {

bool isIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

/// Position of `name` as a whole identifier in `text` from `from`, or npos.
size_t findIdentifier(const std::string &text, const std::string &name,
                      size_t from = 0) {
  for (size_t at = text.find(name, from); at != std::string::npos;
       at = text.find(name, at + 1)) {
    bool before = at > 0 && isIdentChar(text[at - 1]);
    bool after = at + name.size() < text.size() &&
                 isIdentChar(text[at + name.size()]);
    if (!before && !after)
      return at;
  }
  return std::string::npos;
}

/// Whether `source` uses macro `macro` other than to give it a default
/// ("#ifndef M", "#define M value", "#undef M") or in // comments. Block
/// comments count as uses (conservative).
bool sourceUsesMacro(const std::string &source, const std::string &macro) {
  std::istringstream in(source);
  std::string line;
  while (std::getline(in, line)) {
    size_t comment = line.find("//");
    if (comment != std::string::npos)
      line.resize(comment);
    size_t at = findIdentifier(line, macro);
    if (at == std::string::npos)
      continue;
    size_t b = line.find_first_not_of(" \t");
    if (b != std::string::npos && line[b] == '#') {
      std::istringstream words(line.substr(b + 1));
      std::string directive, name;
      words >> directive >> name;
      if (name == macro &&
          (directive == "ifndef" || directive == "undef" ||
           directive == "define")) {
        // The rest of the line must not mention it again (a self-reference).
        size_t nameAt = findIdentifier(line, macro);
        if (findIdentifier(line, macro, nameAt + 1) == std::string::npos)
          continue;
      }
    }
    return true;
  }
  return false;
}

/// Tuning keys of `kernel` that make no difference on `target`: not used by
/// its source (beyond defaults) nor by a launch expression that matters
/// there (grids and workspaces everywhere, threads and smem on CUDA).
std::set<std::string> inertKeys(const Bundle &bundle, const KernelSpec &kernel,
                                Target target) {
  std::set<std::string> used;
  auto note = [&](const Expr &e) {
    for (const std::string &n : e.names())
      used.insert(n);
  };
  for (const ProgramSpec &p : kernel.programs) {
    for (const Expr &g : p.grid)
      note(g);
    if (target == Target::Cuda) {
      note(p.threads);
      note(p.smem);
    }
  }
  for (const WorkspaceSpec &w : kernel.workspaces)
    for (const Expr &e : w.shape)
      note(e);
  const std::string &source = bundle.source(kernel.name, targetName(target));
  std::set<std::string> inert;
  for (const std::string &key : kernel.space.keys)
    if (!used.count(key) && !sourceUsesMacro(source, "IDA_CFG_" + key))
      inert.insert(key);
  return inert;
}

/// The default first, then every row; inert keys set to the default's.
std::vector<Config> candidateConfigs(const Bundle &bundle,
                                     const KernelSpec &kernel, Target target) {
  std::set<std::string> inert = inertKeys(bundle, kernel, target);
  std::vector<Config> out;
  auto add = [&](Config c) {
    for (const std::string &k : inert)
      if (kernel.defaultConfig.count(k))
        c[k] = kernel.defaultConfig.at(k);
    if (std::find(out.begin(), out.end(), c) == out.end())
      out.push_back(std::move(c));
  };
  add(kernel.defaultConfig);
  for (size_t i = 0; i < kernel.space.configs.size(); ++i)
    add(kernel.space.configAt(i));
  return out;
}

//===----------------------------------------------------------------------===//
// The bench: buffers the tuner owns, and launches of one configuration.
//===----------------------------------------------------------------------===//

struct BufferInfo {
  DType dtype;
  Shape shape;
  int64_t numel = 0;
  size_t bytes = 0;
  BufferRole role;
};

class Bench {
public:
  Bench(const Bundle &bundle, const KernelSpec &kernel, const Bindings &dims,
        Device &device, int sets, uint64_t seed)
      : kernel_(kernel), dims_(dims), device_(device) {
    const Manifest &m = bundle.manifest();
    size_t inputBytes = 0;
    for (const KernelArg &a : kernel.args) {
      if (a.kind != KernelArg::Kind::Buffer || infos_.count(a.name))
        continue;
      const BufferSpec &b = m.buffer(a.name);
      BufferInfo info;
      info.dtype = b.dtype;
      info.role = b.role;
      for (const Expr &e : b.shape) {
        int64_t v = e.eval(dims);
        if (v < 0)
          throw ArgumentError("buffer '" + a.name + "' has a negative extent");
        info.shape.push_back(v);
      }
      info.numel = shapeNumel(info.shape);
      info.bytes = size_t(info.numel) * dtypeSize(info.dtype);
      if (b.role == BufferRole::Input)
        inputBytes += info.bytes;
      infos_.emplace(a.name, info);
    }
    // Rotating input sets, unless one set is already large.
    if (inputBytes > (size_t(1) << 30))
      sets = 1;
    sets_ = std::max(1, sets);
    inputs_.resize(size_t(sets_));
    uint64_t salt = 0;
    for (const auto &[name, info] : infos_) {
      ++salt;
      if (info.role == BufferRole::Input) {
        for (int s = 0; s < sets_; ++s)
          inputs_[size_t(s)].emplace(
              name, upload(info, seed + 7919 * uint64_t(s) + 104729 * salt));
      } else {
        // Outputs start at zero (as the launcher allocates them); temps with
        // a fixed pseudo-random pattern restored before every launch.
        written_.emplace(name, device_.allocate(info.bytes));
        if (info.role == BufferRole::Temp)
          tempInit_.emplace(name, randomBytes(info, seed ^ (0xABCDEFull * salt)));
      }
    }
  }

  int sets() const { return sets_; }

  std::map<std::string, DType> dtypes() const {
    std::map<std::string, DType> d;
    for (const auto &[name, info] : infos_)
      if (info.role != BufferRole::Input)
        d[name] = info.dtype;
    return d;
  }

  struct Prepared {
    std::shared_ptr<CompiledKernel> compiled;
    std::map<std::string, DeviceBuffer> workspaces;
    std::vector<std::pair<std::string, size_t>> zeroed; // workspaces to zero
    std::vector<std::pair<size_t, LaunchGeometry>> programs; // non-empty
  };

  Prepared prepare(std::shared_ptr<CompiledKernel> compiled,
                   const Config &config) {
    Prepared p;
    p.compiled = std::move(compiled);
    Bindings scope = dims_;
    for (const auto &[k, v] : config)
      scope[k] = v;
    for (const WorkspaceSpec &w : kernel_.workspaces) {
      int64_t numel = 1;
      for (const Expr &e : w.shape)
        numel *= std::max<int64_t>(0, e.eval(scope));
      size_t bytes = size_t(numel) * dtypeSize(w.dtype);
      p.workspaces.emplace(w.name, device_.allocate(bytes));
      if (w.zero)
        p.zeroed.emplace_back(w.name, bytes);
    }
    for (size_t i = 0; i < kernel_.programs.size(); ++i) {
      const ProgramSpec &prog = kernel_.programs[i];
      LaunchGeometry g;
      bool empty = false;
      for (int d = 0; d < 3; ++d) {
        g.grid[d] = prog.grid[d].eval(scope);
        empty |= g.grid[d] <= 0;
      }
      g.threads = prog.threads.eval(scope);
      g.smem = prog.smem.eval(scope);
      if (!empty)
        p.programs.emplace_back(i, g);
    }
    return p;
  }

  /// Outputs to zero, temps to their pattern, zeroed workspaces to zero.
  void reset(Prepared &p) {
    for (auto &[name, buf] : written_) {
      auto t = tempInit_.find(name);
      if (t == tempInit_.end())
        device_.fillZero(buf.get(), buf.size());
      else
        device_.copyToDevice(buf.get(), t->second.data(), t->second.size());
    }
    for (const auto &[name, bytes] : p.zeroed)
      device_.fillZero(p.workspaces.at(name).get(), bytes);
  }

  void launch(Prepared &p, int set) {
    IdaKernelArgs args{};
    for (size_t i = 0; i < kernel_.args.size(); ++i) {
      const KernelArg &a = kernel_.args[i];
      if (a.kind == KernelArg::Kind::Workspace) {
        args.buffers[i] = p.workspaces.at(a.name).get();
        continue;
      }
      const BufferInfo &info = infos_.at(a.name);
      args.buffers[i] = info.role == BufferRole::Input
                            ? inputs_[size_t(set % sets_)].at(a.name).get()
                            : written_.at(a.name).get();
    }
    auto dim = [&](const char *n) {
      auto it = dims_.find(n);
      return it == dims_.end() ? int64_t(0) : it->second;
    };
    args.B = dim("B");
    args.T = dim("T");
    args.H = dim("H");
    for (auto &[index, geom] : p.programs) {
      for (int d = 0; d < 3; ++d)
        args.grid[d] = geom.grid[d];
      p.compiled->launch(index, args, geom);
    }
  }

  /// Outputs and temps on the host, as doubles.
  std::map<std::string, std::vector<double>> read() {
    std::map<std::string, std::vector<double>> out;
    for (auto &[name, buf] : written_) {
      const BufferInfo &info = infos_.at(name);
      Tensor t(info.dtype, info.shape);
      device_.copyToHost(t.data(), buf.get(), info.bytes);
      out[name] = t.toDoubles();
    }
    return out;
  }

  bool anyWork(const Config &config) const {
    Bindings scope = dims_;
    for (const auto &[k, v] : config)
      scope[k] = v;
    for (const ProgramSpec &prog : kernel_.programs) {
      bool empty = false;
      for (int d = 0; d < 3; ++d)
        empty |= prog.grid[d].eval(scope) <= 0;
      if (!empty)
        return true;
    }
    return false;
  }

private:
  /// Uniform [-0.5, 0.5) for floating buffers (splitmix64: cheap enough for
  /// large GPU inputs), zeros for integer ones (always a valid index or
  /// length).
  std::vector<uint8_t> randomBytes(const BufferInfo &info, uint64_t seed) {
    std::vector<uint8_t> bytes(info.bytes, 0);
    if (!isFloating(info.dtype))
      return bytes;
    uint64_t state = seed;
    auto next = [&]() {
      uint64_t z = (state += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      z ^= z >> 31;
      return double(z >> 11) * 0x1.0p-53 - 0.5;
    };
    size_t n = size_t(info.numel);
    if (info.dtype == DType::F32) {
      auto *p = reinterpret_cast<float *>(bytes.data());
      for (size_t i = 0; i < n; ++i)
        p[i] = float(next());
    } else if (info.dtype == DType::F64) {
      auto *p = reinterpret_cast<double *>(bytes.data());
      for (size_t i = 0; i < n; ++i)
        p[i] = next();
    } else {
      std::vector<double> values(n);
      for (double &v : values)
        v = next();
      Tensor t = Tensor::fromDoubles(info.dtype, info.shape, values);
      std::memcpy(bytes.data(), t.data(), info.bytes);
    }
    return bytes;
  }

  DeviceBuffer upload(const BufferInfo &info, uint64_t seed) {
    std::vector<uint8_t> bytes = randomBytes(info, seed);
    DeviceBuffer buf = device_.allocate(info.bytes);
    device_.copyToDevice(buf.get(), bytes.data(), bytes.size());
    return buf;
  }

  const KernelSpec &kernel_;
  Bindings dims_;
  Device &device_;
  int sets_ = 1;
  std::map<std::string, BufferInfo> infos_;
  std::vector<std::map<std::string, DeviceBuffer>> inputs_;
  std::map<std::string, DeviceBuffer> written_;
  std::map<std::string, std::vector<uint8_t>> tempInit_;
};

KernelBuildRequest buildRequest(const Bundle &bundle, const KernelSpec &kernel,
                                Target target, const Config &config) {
  KernelBuildRequest r;
  r.kernelName = kernel.name;
  r.source = bundle.source(kernel.name, targetName(target));
  r.sourcePath = bundle.sourcePath(kernel.name, targetName(target));
  r.config = config;
  for (const ProgramSpec &p : kernel.programs)
    r.symbols.push_back(p.symbol);
  return r;
}

int64_t dimOf(const Bindings &dims, const char *name) {
  auto it = dims.find(name);
  return it == dims.end() ? 0 : it->second;
}

std::string describeBucket(int64_t t, int64_t bh) {
  return "T<=" + std::to_string(t) + ", B*H<=" + std::to_string(bh);
}

} // namespace

//===----------------------------------------------------------------------===//
// Autotuner
//===----------------------------------------------------------------------===//

Autotuner::Autotuner(TunerOptions options) : options_(std::move(options)) {}

TunerStats Autotuner::stats() const {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  return stats_;
}

RecordStore &Autotuner::store(Device &device) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  // Identities are memoised per device object and name (a CPU device's name
  // changes with its thread budget).
  auto &known = identities_[&device];
  std::string name = device.name();
  if (known.first != name)
    known = {name, identifyDevice(device)};
  const DeviceIdentity &id = known.second;
  bool readOnly = !options_.tuningFile.empty();
  std::string path;
  if (readOnly) {
    path = options_.tuningFile;
  } else {
    if (options_.cacheDir.empty())
      options_.cacheDir = env::cacheDir();
    path = defaultRecordsPath(options_.cacheDir, id);
  }
  auto it = stores_.find(path);
  if (it == stores_.end())
    it = stores_
             .emplace(path, std::make_unique<RecordStore>(path, id, readOnly))
             .first;
  return *it->second;
}

std::optional<Config> Autotuner::usable(const TuningRecord &record,
                                        const KernelSpec &kernel) const {
  Config c = record.config;
  auto th = c.find(kThreadsKey);
  if (th != c.end()) {
    if (th->second < 1)
      return std::nullopt;
    c.erase(th);
  }
  if (c.size() != kernel.space.keys.size())
    return std::nullopt;
  for (const std::string &k : kernel.space.keys)
    if (!c.count(k))
      return std::nullopt;
  return record.config;
}

std::optional<Config> Autotuner::select(const SelectionContext &ctx) {
  if (options_.mode == TunerOptions::Mode::Off)
    return std::nullopt;
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  const KernelSpec &kernel = ctx.kernel;
  auto *cpu = dynamic_cast<CpuDevice *>(&ctx.device);
  bool threadChoice = cpu && cpu->numThreads() > 1 && options_.tuneThreads;
  if (kernel.space.configs.size() <= 1 && !threadChoice)
    return std::nullopt; // nothing to choose
  Target target = ctx.device.target();
  if (!ctx.bundle.hasSource(kernel.name, targetName(target)))
    return std::nullopt; // the launcher reports it

  // Cheap per-launch path: the kernel hash is memoised per bundle object.
  const std::string &source = ctx.bundle.source(kernel.name, targetName(target));
  std::string memoKey = std::to_string(reinterpret_cast<uintptr_t>(&ctx.bundle)) +
                        "|" + kernel.name + "|" + targetName(target) + "|" +
                        std::to_string(source.size());
  auto h = hashes_.find(memoKey);
  if (h == hashes_.end())
    h = hashes_.emplace(memoKey, kernelHash(ctx.bundle, kernel,
                                           targetName(target))).first;
  int64_t bt = powerOfTwoBucket(dimOf(ctx.dims, "T"));
  int64_t bbh =
      powerOfTwoBucket(dimOf(ctx.dims, "B") * dimOf(ctx.dims, "H"));
  RecordStore &st = store(ctx.device);
  std::string key = recordKey(kernel.name, h->second, bt, bbh);
  auto memoIt = memo_.find({st.path() + "|" + st.identity().key(), key});
  if (memoIt != memo_.end()) {
    ++stats_.memoryHits;
    return memoIt->second;
  }
  TuneReport report = tune(ctx.bundle, kernel, ctx.dims, ctx.device, false);
  std::optional<Config> chosen;
  if (report.winner >= 0)
    chosen = report.candidates[size_t(report.winner)].config;
  memo_[{st.path() + "|" + st.identity().key(), key}] = chosen;
  return chosen;
}

TuneReport Autotuner::tune(const Bundle &bundle, const KernelSpec &kernel,
                           const Bindings &dims, Device &device, bool retune) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Target target = device.target();
  RecordStore &st = store(device);
  std::string hash = kernelHash(bundle, kernel, targetName(target));
  TuneReport report;
  report.kernel = kernel.name;
  report.device = device.name();
  report.dims = dims;
  report.bucketT = powerOfTwoBucket(dimOf(dims, "T"));
  report.bucketBH = powerOfTwoBucket(dimOf(dims, "B") * dimOf(dims, "H"));
  report.recordKey = recordKey(kernel.name, hash, report.bucketT,
                               report.bucketBH);

  auto fromRecord = [&]() -> bool {
    const TuningRecord *rec = st.find(report.recordKey);
    if (!rec)
      return false;
    std::optional<Config> cfg = usable(*rec, kernel);
    if (!cfg) {
      reportProblem("the record '" + report.recordKey + "' in '" + st.path() +
                    "' does not fit kernel '" + kernel.name +
                    "''s tuning keys; ignored");
      return false;
    }
    Candidate c;
    c.config = *cfg;
    c.status = "ok";
    c.medianMs = rec->medianMs;
    report.candidates = {c};
    report.winner = 0;
    report.fromRecords = true;
    report.record = *rec;
    ++stats_.recordHits;
    env::log("kernel '" + kernel.name + "' [" +
             describeBucket(report.bucketT, report.bucketBH) +
             "]: tuned configuration [" +
             configString(*cfg, kernel.space.keys) + "] from " + st.path());
    return true;
  };

  if (st.readOnly() && retune)
    throw Error("cannot tune into the read-only records '" + st.path() +
                "' (unset IDA_TUNING_FILE to tune)");
  if (!retune) {
    st.reload();
    if (fromRecord())
      return report;
    if (st.readOnly() || options_.mode != TunerOptions::Mode::Tune)
      return report; // no record: the manifest default
  }

  // One process tunes a key at a time; the others wait, then reuse it.
  std::string lockPath = st.keyLockPath(report.recordKey);
  makeDirs(fs::path(lockPath).parent_path().string());
  FileLock keyLock(lockPath);
  if (!retune) {
    st.reload();
    if (fromRecord())
      return report;
  }

  TuneReport searched = search(bundle, kernel, dims, device);
  searched.recordKey = report.recordKey;
  searched.device = report.device;
  report = std::move(searched);
  if (report.winner >= 0) {
    const Candidate &w = report.candidates[size_t(report.winner)];
    TuningRecord r;
    r.kernel = kernel.name;
    r.kernelHash = hash;
    r.bucketT = report.bucketT;
    r.bucketBH = report.bucketBH;
    for (const char *d : {"B", "T", "H"})
      r.shape[d] = dimOf(dims, d);
    r.config = w.config;
    r.medianMs = w.medianMs;
    const Candidate &first = report.candidates.front();
    if (first.status == "ok" && first.config == kernel.defaultConfig)
      r.defaultMs = first.medianMs;
    r.candidates = int(report.candidates.size());
    for (const Candidate &c : report.candidates) {
      r.pruned += c.status == "pruned";
      r.rejected += c.status == "rejected";
      r.trials.push_back({c.config, c.status, c.reason, c.medianMs});
    }
    r.tuningSeconds = report.seconds;
    r.tunedAt = nowIso8601();
    r.bundle = bundle.dir();
    report.record = r;
    try {
      st.save({r});
    } catch (const Error &e) {
      reportProblem(std::string("cannot save the tuning records: ") +
                    e.what());
    }
  }
  if (options_.print) {
    int timed = 0, pruned = 0, rejected = 0;
    for (const Candidate &c : report.candidates) {
      timed += c.status == "ok";
      pruned += c.status == "pruned";
      rejected += c.status == "rejected" || c.status == "failed";
    }
    std::string line = "ida: autotuned kernel '" + kernel.name + "' [" +
                       describeBucket(report.bucketT, report.bucketBH) +
                       "] on " + report.device + " in " +
                       fmt(report.seconds) + " s: " + std::to_string(timed) +
                       " timed, " + std::to_string(pruned) + " pruned, " +
                       std::to_string(rejected) + " rejected; ";
    if (report.winner >= 0) {
      const Candidate &w = report.candidates[size_t(report.winner)];
      line += "best [" + configString(w.config, kernel.space.keys) + "] " +
              fmt(w.medianMs) + " ms";
      if (report.record && report.record->defaultMs > 0)
        line += " (default " + fmt(report.record->defaultMs) + " ms)";
    } else if (report.candidates.empty()) {
      line += "nothing runs at these sizes";
    } else {
      line += "no usable configuration; using the manifest default";
    }
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  return report;
}

TuneReport Autotuner::search(const Bundle &bundle, const KernelSpec &kernel,
                             const Bindings &dims, Device &device) {
  using Clock = std::chrono::steady_clock;
  auto started = Clock::now();
  ++stats_.searches;
  TuneReport report;
  report.kernel = kernel.name;
  report.dims = dims;
  report.bucketT = powerOfTwoBucket(dimOf(dims, "T"));
  report.bucketBH = powerOfTwoBucket(dimOf(dims, "B") * dimOf(dims, "H"));
  Target target = device.target();
  DeviceLimits limits = options_.limits ? *options_.limits : deviceLimits(device);

  std::vector<Config> configs = candidateConfigs(bundle, kernel, target);
  Bench bench(bundle, kernel, dims, device, options_.inputSets, options_.seed);
  if (!bench.anyWork(kernel.defaultConfig)) {
    report.seconds = 0;
    return report; // nothing runs at these sizes
  }
  std::map<std::string, DType> dtypes = bench.dtypes();
  std::map<std::string, std::vector<double>> baseline;
  std::string baselineLabel;
  bool haveBaseline = false;

#ifdef IDA_WITH_CUDA
  auto *cuda = dynamic_cast<CudaDevice *>(&device);
  std::unique_ptr<CudaEventTimer> timer = cuda ? cuda->makeTimer() : nullptr;
#endif

  auto timeOnce = [&](Bench::Prepared &p, int set) -> double {
    bench.reset(p);
#ifdef IDA_WITH_CUDA
    if (timer) {
      timer->start();
      bench.launch(p, set);
      timer->stop();
      return double(timer->elapsedMs());
    }
#endif
    device.synchronize();
    auto t0 = Clock::now();
    bench.launch(p, set);
    device.synchronize();
    return std::chrono::duration<double, std::milli>(Clock::now() - t0)
        .count();
  };

  // Runs, checks and times one configuration; fills `c`.
  auto evaluate = [&](Candidate &c) {
    const std::string label = configString(c.config, kernel.space.keys);
    if (auto why = checkLimits(kernel, c.config, dims, limits)) {
      c.status = "pruned";
      c.reason = *why;
      return;
    }
    std::shared_ptr<CompiledKernel> compiled;
    try {
      compiled = compileConfig(device,
                               buildRequest(bundle, kernel, target, c.config));
    } catch (const Error &e) {
      c.status = "pruned";
      c.reason = "compile failed: " + firstLine(e.what());
      return;
    }
#ifdef IDA_WITH_CUDA
    if (auto *ck = dynamic_cast<CudaCompiledKernel *>(compiled.get())) {
      std::vector<ProgramResources> res;
      try {
        for (size_t i = 0; i < ck->numPrograms(); ++i) {
          CudaFunctionInfo info = ck->functionInfo(i);
          ProgramResources r;
          r.registers = info.registers;
          r.staticSmem = info.staticSmem;
          r.maxThreadsPerBlock = info.maxThreadsPerBlock;
          res.push_back(r);
        }
      } catch (const Error &e) {
        c.status = "pruned";
        c.reason = std::string("cannot query the compiled kernel: ") +
                   firstLine(e.what());
        return;
      }
      if (auto why = checkLimits(kernel, c.config, dims, limits, &res)) {
        c.status = "pruned";
        c.reason = *why;
        return;
      }
    }
#endif
    Bench::Prepared p;
    try {
      p = bench.prepare(compiled, c.config);
      bench.reset(p);
      bench.launch(p, 0);
      device.synchronize();
      // CUDA: a configuration whose tiles do not fit its dynamic shared
      // memory has left without computing; the device is fine, the
      // candidate is pruned and the search goes on.
      compiled->checkLaunches();
      c.arenaBytes = compiled->arenaPeak();
      auto out = bench.read();
      if (!haveBaseline) {
        baseline = std::move(out);
        baselineLabel = label;
        haveBaseline = true;
      } else if (auto why = checkOutputs(baseline, out, dtypes, options_.rtol)) {
        c.status = "rejected";
        c.reason = *why + " [baseline " + baselineLabel + "]";
        return;
      }
      double first = -1;
      for (int w = 0; w < options_.warmup; ++w) {
        double t = timeOnce(p, (w + 1) % bench.sets());
        if (first < 0)
          first = t;
      }
      int minRepeats = options_.minRepeats;
      if (first > options_.budgetMs)
        minRepeats = std::min(minRepeats, 3); // slow: fewer repeats
      std::vector<double> times;
      double total = 0;
      int set = 0;
      while (int(times.size()) < options_.maxRepeats &&
             (int(times.size()) < minRepeats || total < options_.budgetMs)) {
        double t = timeOnce(p, set++ % bench.sets());
        times.push_back(t);
        total += t;
      }
      compiled->checkLaunches(); // the timed launches too
      c.medianMs = medianOf(times);
      c.repeats = int(times.size());
      c.status = "ok";
      ++stats_.timedConfigs;
    } catch (const ArenaOverflowError &e) {
      c.status = "pruned";
      c.reason = arenaReason(e);
      c.medianMs = -1;
    } catch (const Error &e) {
      c.status = "failed";
      c.reason = "launch failed: " + firstLine(e.what());
    }
  };

  for (const Config &config : configs) {
    Candidate c;
    c.config = config;
    evaluate(c);
    report.candidates.push_back(std::move(c));
  }
  auto best = [&]() {
    int w = -1;
    for (size_t i = 0; i < report.candidates.size(); ++i) {
      const Candidate &c = report.candidates[i];
      if (c.status == "ok" &&
          (w < 0 || c.medianMs < report.candidates[size_t(w)].medianMs))
        w = int(i);
    }
    return w;
  };
  report.winner = best();

  // CPU: the winner with fewer threads (a runtime key; same binary).
  auto *cpu = dynamic_cast<CpuDevice *>(&device);
  if (cpu && options_.tuneThreads && report.winner >= 0 &&
      cpu->numThreads() > 1) {
    Config base = report.candidates[size_t(report.winner)].config;
    for (int n = cpu->numThreads() / 2;; n /= 2) {
      Candidate c;
      c.config = base;
      c.config[kThreadsKey] = std::max(n, 1);
      evaluate(c);
      report.candidates.push_back(std::move(c));
      if (n <= 1)
        break;
    }
    report.winner = best();
    // Fewer threads won: the first ranking was made at another thread count,
    // so time the other survivors at the winning one too (same binaries).
    const Config &now = report.candidates[size_t(report.winner)].config;
    if (now.count(kThreadsKey)) {
      int64_t threads = now.at(kThreadsKey);
      size_t firstRound = configs.size();
      for (size_t i = 0; i < firstRound; ++i) {
        if (report.candidates[i].status != "ok" ||
            report.candidates[i].config == base)
          continue;
        Candidate c;
        c.config = report.candidates[i].config;
        c.config[kThreadsKey] = threads;
        evaluate(c);
        report.candidates.push_back(std::move(c));
      }
      report.winner = best();
    }
  }
  report.seconds =
      std::chrono::duration<double>(Clock::now() - started).count();
  return report;
}

std::shared_ptr<ConfigSelector> defaultSelector(Target target) {
  TunerOptions options = TunerOptions::fromEnv();
  if (options.mode == TunerOptions::Mode::Off)
    return nullptr;
  // Searching on CUDA stays opt-in until a GPU session has run one with the
  // arena-overflow pruning (see the header): records are still used, a miss
  // takes the manifest default.
  if (target == Target::Cuda && !env::get("IDA_AUTOTUNE"))
    options.mode = TunerOptions::Mode::Cached;
  static std::mutex m;
  static std::map<std::string, std::shared_ptr<Autotuner>> tuners;
  // One tuner per distinct setting of the variables that change answers.
  std::string key = std::to_string(int(options.mode)) + "|" +
                    options.tuningFile + "|" +
                    env::get("IDA_CACHE_DIR").value_or("");
  std::lock_guard<std::mutex> lock(m);
  auto it = tuners.find(key);
  if (it == tuners.end())
    it = tuners.emplace(key, std::make_shared<Autotuner>(options)).first;
  return it->second;
}

} // namespace ida::autotune

//===- runtime/launcher/Launcher.cpp - run a bundle's entries -------------===//

#include "runtime/launcher/Launcher.h"

#include "runtime/autotune/Autotuner.h"
#include "runtime/support/Env.h"
#include "runtime/support/Error.h"

#include <algorithm>
#include <exception>
#include <set>

namespace ida {

Launcher::Launcher(std::shared_ptr<const Bundle> bundle,
                   std::shared_ptr<Device> device)
    : bundle_(std::move(bundle)), device_(std::move(device)) {}

std::string resolveTarget(const Bundle &bundle, const std::string &entry,
                          const std::string &requested) {
  if (requested != "auto")
    return requested;
  const Manifest &m = bundle.manifest();
  for (const auto &[name, e] : m.entries) {
    if (!entry.empty() && name != entry)
      continue;
    for (const StepSpec &s : e.steps)
      if (!bundle.hasSource(s.kernel, "cuda")) {
        env::log("target auto: kernel '" + s.kernel +
                 "' has no CUDA source; using the CPU");
        return "cpu";
      }
  }
  return requested;
}

Launcher Launcher::open(const std::string &dir, const std::string &target) {
  std::shared_ptr<const Bundle> bundle = Bundle::load(dir);
  std::string resolved = resolveTarget(*bundle, "", target);
  Launcher launcher(bundle, std::shared_ptr<Device>(makeDevice(resolved)));
  launcher.useDefaultSelector();
  return launcher;
}

void Launcher::useDefaultSelector() {
  selector_ = autotune::defaultSelector(device_->target());
}

namespace {

/// Applies the overrides in `forced` that concern `kernel` onto `config`;
/// `origin` names the source of the overrides in messages.
bool applyOverrides(Config &config, const Config &forced,
                    const EntrySpec &entry, const KernelSpec &kernel,
                    const Manifest &manifest, const std::string &origin) {
  bool changed = false;
  for (const auto &[rawKey, value] : forced) {
    std::string kernelName, key = rawKey;
    size_t dot = rawKey.find('.');
    if (dot != std::string::npos) {
      kernelName = rawKey.substr(0, dot);
      key = rawKey.substr(dot + 1);
      bool inEntry = std::any_of(
          entry.steps.begin(), entry.steps.end(),
          [&](const StepSpec &s) { return s.kernel == kernelName; });
      if (!inEntry)
        throw ConfigError(origin + ": '" + rawKey + "': entry '" + entry.name +
                          "' has no kernel '" + kernelName + "'");
      const KernelSpec &k = manifest.kernel(kernelName);
      if (!std::count(k.space.keys.begin(), k.space.keys.end(), key))
        throw ConfigError(origin + ": '" + rawKey + "': kernel '" +
                          kernelName + "' has no tuning key '" + key +
                          "' (keys: " + [&] {
                            std::string l;
                            for (const auto &kk : k.space.keys)
                              l += (l.empty() ? "" : ", ") + kk;
                            return l.empty() ? std::string("none") : l;
                          }() +
                          ")");
      if (kernelName != kernel.name)
        continue;
    } else {
      // A bare key must mean something to at least one kernel of the entry.
      bool known = false;
      std::set<std::string> all;
      for (const StepSpec &s : entry.steps)
        for (const std::string &k : manifest.kernel(s.kernel).space.keys) {
          all.insert(k);
          known |= k == key;
        }
      if (!known) {
        std::string l;
        for (const std::string &k : all)
          l += (l.empty() ? "" : ", ") + k;
        throw ConfigError(origin + ": '" + key +
                          "' is not a tuning key of any kernel of entry '" +
                          entry.name + "' (keys: " +
                          (l.empty() ? "none" : l) + ")");
      }
      if (!std::count(kernel.space.keys.begin(), kernel.space.keys.end(), key))
        continue;
    }
    config[key] = value;
    changed = true;
  }
  return changed;
}

} // namespace

KernelChoice Launcher::chooseConfig(const EntrySpec &entry,
                                    const KernelSpec &kernel,
                                    const Bindings &dims,
                                    const RunOptions &options) {
  KernelChoice choice;
  choice.kernel = kernel.name;
  choice.config = kernel.defaultConfig;
  choice.origin = "default";
  // Forced values for this kernel (checked again below, where they apply);
  // a kernel whose every key is forced is not handed to the selector.
  Config envForced;
  if (options.useEnvConfig)
    if (auto text = env::get("IDA_CONFIG")) {
      try {
        envForced = parseConfigString(*text);
      } catch (const ConfigError &e) {
        throw ConfigError(std::string("IDA_CONFIG: ") + e.what());
      }
    }
  Config forcedHere;
  applyOverrides(forcedHere, envForced, entry, kernel, bundle_->manifest(),
                 "IDA_CONFIG");
  applyOverrides(forcedHere, options.forcedConfig, entry, kernel,
                 bundle_->manifest(), "forced configuration");
  bool allForced = std::all_of(
      kernel.space.keys.begin(), kernel.space.keys.end(),
      [&](const std::string &key) { return forcedHere.count(key) > 0; });
  if (selector_ && !(allForced && !kernel.space.keys.empty())) {
    SelectionContext ctx{*bundle_, kernel, dims, *device_};
    if (auto picked = selector_->select(ctx)) {
      for (const std::string &key : kernel.space.keys)
        if (!picked->count(key))
          throw ConfigError("the configuration selector returned {" +
                            configString(*picked, kernel.space.keys) +
                            "} for kernel '" + kernel.name +
                            "', which lacks tuning key '" + key + "'");
      choice.config = *picked;
      choice.origin = "selector";
    }
  }
  if (options.useEnvConfig)
    if (auto text = env::get("IDA_CONFIG")) {
      Config forced;
      try {
        forced = parseConfigString(*text);
      } catch (const ConfigError &e) {
        throw ConfigError(std::string("IDA_CONFIG: ") + e.what());
      }
      if (applyOverrides(choice.config, forced, entry, kernel,
                         bundle_->manifest(), "IDA_CONFIG"))
        choice.origin = "IDA_CONFIG";
    }
  if (applyOverrides(choice.config, options.forcedConfig, entry, kernel,
                     bundle_->manifest(), "forced configuration"))
    choice.origin = "forced";
  return choice;
}

std::shared_ptr<CompiledKernel> Launcher::compile(const std::string &kernel,
                                                  const Config &config) {
  const KernelSpec &k = bundle_->manifest().kernel(kernel);
  std::string label = configString(config, k.space.keys);
  auto memoKey = std::make_pair(kernel, label);
  auto it = compiled_.find(memoKey);
  if (it != compiled_.end())
    return it->second;
  const char *target = targetName(device_->target());
  KernelBuildRequest request;
  request.kernelName = kernel;
  request.source = bundle_->source(kernel, target);
  request.sourcePath = bundle_->sourcePath(kernel, target);
  request.config = config;
  for (const ProgramSpec &p : k.programs)
    request.symbols.push_back(p.symbol);
  // Runtime keys (THREADS) are applied here rather than compiled in.
  auto compiled = autotune::compileConfig(*device_, request);
  compiled_[memoKey] = compiled;
  return compiled;
}

void Launcher::launchKernel(const std::string &kernelName, const Config &config,
                            const Bindings &dims,
                            const std::map<std::string, void *> &buffers) {
  const Manifest &m = bundle_->manifest();
  const KernelSpec &k = m.kernel(kernelName);
  std::shared_ptr<CompiledKernel> compiled = compile(kernelName, config);

  Bindings scope = dims;
  for (const auto &[key, value] : config)
    scope[key] = value;

  // Workspaces live for this launch only; zeroed when the manifest asks.
  std::map<std::string, DeviceBuffer> workspaces;
  for (const WorkspaceSpec &w : k.workspaces) {
    Shape shape = evalShape(w.shape, scope,
                            "workspace '" + kernelName + ".@" + w.name + "'");
    size_t bytes = size_t(shapeNumel(shape)) * dtypeSize(w.dtype);
    DeviceBuffer buf = device_->allocate(bytes);
    if (w.zero)
      device_->fillZero(buf.get(), bytes);
    workspaces[w.name] = std::move(buf);
  }

  IdaKernelArgs args{};
  for (size_t i = 0; i < k.args.size(); ++i) {
    const KernelArg &a = k.args[i];
    if (a.kind == KernelArg::Kind::Workspace) {
      args.buffers[i] = workspaces.at(a.name).get();
      continue;
    }
    auto it = buffers.find(a.name);
    void *p = it == buffers.end() ? nullptr : it->second;
    if (!p && !m.buffer(a.name).optional)
      throw ArgumentError("kernel '" + kernelName + "': no buffer for '" +
                          a.name + "'");
    args.buffers[i] = p;
  }
  auto dim = [&](const char *name) {
    auto it = scope.find(name);
    if (it == scope.end())
      throw ArgumentError("kernel '" + kernelName + "': no value for " + name +
                          " (bind the inputs with bindEntryInputs)");
    return it->second;
  };
  args.B = dim("B");
  args.T = dim("T");
  args.H = dim("H");

  for (size_t p = 0; p < k.programs.size(); ++p) {
    const ProgramSpec &prog = k.programs[p];
    LaunchGeometry geom;
    bool empty = false;
    try {
      for (int g = 0; g < 3; ++g) {
        geom.grid[g] = prog.grid[g].eval(scope);
        if (geom.grid[g] < 0)
          throw ExprError("grid extent " + std::to_string(g) + " ('" +
                          prog.grid[g].text() + "') is " +
                          std::to_string(geom.grid[g]));
        empty |= geom.grid[g] == 0;
      }
      geom.threads = prog.threads.eval(scope);
      geom.smem = prog.smem.eval(scope);
    } catch (const ExprError &e) {
      throw ArgumentError("kernel '" + kernelName + "', program '" +
                          prog.symbol + "' [" +
                          configString(config, k.space.keys) +
                          "]: " + e.what());
    }
    if (empty) // nothing to do, e.g. T = 0
      continue;
    for (int g = 0; g < 3; ++g)
      args.grid[g] = geom.grid[g];
    if (std::find(unchecked_.begin(), unchecked_.end(), compiled) ==
        unchecked_.end())
      unchecked_.push_back(compiled);
    compiled->launch(p, args, geom);
  }
  // Workspaces are freed on return; the kernels must have finished with them.
  // The wait makes the status check free (nothing more to wait for).
  if (!workspaces.empty()) {
    device_->synchronize();
    checkLaunches();
  }
}

void Launcher::checkLaunches() {
  // Every kernel is read even after one reports an overflow, so none is
  // left to surface in a later, unrelated call; the first is thrown.
  std::vector<std::shared_ptr<CompiledKernel>> kernels;
  kernels.swap(unchecked_);
  std::exception_ptr first;
  for (const std::shared_ptr<CompiledKernel> &k : kernels) {
    try {
      k->checkLaunches();
    } catch (const ArenaOverflowError &) {
      if (!first)
        first = std::current_exception();
    }
  }
  if (first)
    std::rethrow_exception(first);
}

TensorMap Launcher::run(const std::string &entryName, const TensorMap &inputs,
                        const RunOptions &options) {
  InputRefs refs;
  for (const auto &[name, tensor] : inputs)
    refs[name] = &tensor;
  return run(entryName, refs, options);
}

const EntrySpec &Launcher::bindEntry(const std::string &entryName,
                                    const InputRefs &inputs, Bindings &dims) {
  const Manifest &m = bundle_->manifest();
  const EntrySpec &entry = m.entry(entryName);
  // A kernel without a source for this device is a setup problem, reported
  // before any argument checks.
  for (const StepSpec &step : entry.steps)
    (void)bundle_->source(step.kernel, targetName(device_->target()));
  dims = bindEntryInputs(m, entry, inputs);
  return entry;
}

TensorMap Launcher::run(const std::string &entryName, const InputRefs &inputs,
                        const RunOptions &options) {
  const Manifest &m = bundle_->manifest();
  Bindings dims;
  const EntrySpec &entry = bindEntry(entryName, inputs, dims);

  TensorMap outputs;
  for (const std::string &name : entry.outputs) {
    const BufferSpec &b = m.buffer(name);
    outputs.emplace(name,
                    Tensor(b.dtype, evalShape(b.shape, dims,
                                              "output '" + name + "'")));
  }

  // Kernels see device pointers: the tensors themselves on the CPU, copies
  // elsewhere.
  bool inPlace = device_->hostAccessible();
  std::map<std::string, DeviceBuffer> owned;
  std::map<std::string, void *> pointers;
  for (const std::string &name : entry.inputs) {
    auto it = inputs.find(name);
    if (it == inputs.end() || !it->second)
      continue;
    const Tensor &t = *it->second;
    if (inPlace) {
      pointers[name] = const_cast<void *>(t.data());
    } else {
      DeviceBuffer buf = device_->allocate(t.nbytes());
      device_->copyToDevice(buf.get(), t.data(), t.nbytes());
      pointers[name] = buf.get();
      owned[name] = std::move(buf);
    }
  }
  for (auto &[name, t] : outputs) {
    if (inPlace) {
      pointers[name] = t.data(); // already zero-filled
    } else {
      DeviceBuffer buf = device_->allocate(t.nbytes());
      device_->fillZero(buf.get(), t.nbytes());
      pointers[name] = buf.get();
      owned[name] = std::move(buf);
    }
  }
  for (const std::string &name : entry.temps) {
    const BufferSpec &b = m.buffer(name);
    Shape shape = evalShape(b.shape, dims, "temp '" + name + "'");
    size_t bytes = size_t(shapeNumel(shape)) * dtypeSize(b.dtype);
    DeviceBuffer buf = device_->allocate(bytes);
    device_->fillZero(buf.get(), bytes);
    pointers[name] = buf.get();
    owned[name] = std::move(buf);
  }

  runSteps(entry, dims, pointers, options);
  if (!inPlace)
    for (auto &[name, t] : outputs)
      device_->copyToHost(t.data(), pointers.at(name), t.nbytes());
  return outputs;
}

void Launcher::runOnDevice(const std::string &entryName,
                           const InputRefs &inputs,
                           const std::map<std::string, DeviceSpan> &outputs,
                           const RunOptions &options) {
  const Manifest &m = bundle_->manifest();
  Bindings dims;
  const EntrySpec &entry = bindEntry(entryName, inputs, dims);

  std::map<std::string, void *> pointers;
  for (const std::string &name : entry.inputs) {
    auto it = inputs.find(name);
    if (it != inputs.end() && it->second)
      pointers[name] = const_cast<void *>(it->second->data());
  }
  for (const auto &[name, span] : outputs)
    if (std::find(entry.outputs.begin(), entry.outputs.end(), name) ==
        entry.outputs.end())
      throw ArgumentError("entry '" + entryName + "' has no output '" + name +
                          "'");
  std::map<std::string, DeviceBuffer> owned;
  auto scratch = [&](const std::string &name, const char *what) {
    const BufferSpec &b = m.buffer(name);
    Shape shape = evalShape(b.shape, dims, std::string(what) + " '" + name + "'");
    size_t bytes = size_t(shapeNumel(shape)) * dtypeSize(b.dtype);
    auto given = outputs.find(name);
    if (given != outputs.end()) {
      if (given->second.bytes != bytes)
        throw ArgumentError("output '" + name + "' of entry '" + entryName +
                            "': " + std::to_string(given->second.bytes) +
                            " bytes given, " + dtypeName(b.dtype) + " " +
                            shapeString(shape) + " needs " +
                            std::to_string(bytes));
      device_->fillZero(given->second.ptr, bytes);
      pointers[name] = given->second.ptr;
      return;
    }
    DeviceBuffer buf = device_->allocate(bytes);
    device_->fillZero(buf.get(), bytes);
    pointers[name] = buf.get();
    owned[name] = std::move(buf);
  };
  for (const std::string &name : entry.outputs)
    scratch(name, "output");
  for (const std::string &name : entry.temps)
    scratch(name, "temp");

  runSteps(entry, dims, pointers, options);
}

void Launcher::runSteps(const EntrySpec &entry, const Bindings &dims,
                        const std::map<std::string, void *> &pointers,
                        const RunOptions &options) {
  const Manifest &m = bundle_->manifest();
  lastChoices_.clear();
  for (const StepSpec &step : entry.steps) {
    const KernelSpec &k = m.kernel(step.kernel);
    KernelChoice choice = chooseConfig(entry, k, dims, options);
    choice.cacheKey = compile(k.name, choice.config)->cacheKey();
    env::log("kernel '" + k.name + "' runs [" +
             configString(choice.config, k.space.keys) + "] (" +
             choice.origin + ")");
    launchKernel(k.name, choice.config, dims, pointers);
    lastChoices_.push_back(std::move(choice));
  }
  device_->synchronize();
  checkLaunches();
}

} // namespace ida

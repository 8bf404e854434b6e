//===- runtime/tools/ida-run/ida-run.cpp - run a bundle entry -------------===//
//
//   ida-run BUNDLE --entry NAME --in NAME=FILE.npy ... --out NAME=FILE.npy
//           [--out-dir DIR] [--target cpu|cuda|auto] [--config KEY=VALUE ...]
//           [--threads N] [--list]
//
// Inputs may be float32 or float64 .npy files (converted to the manifest's
// dtype); floating outputs are written as float32, integer outputs as their
// own type. Any error is one line on stderr and exit code 1 (2 for bad
// command-line usage).
//
//===----------------------------------------------------------------------===//

#include "runtime/backend/cpu/CpuDevice.h"
#include "runtime/io/Npy.h"
#include "runtime/launcher/Launcher.h"
#include "runtime/support/Env.h"
#include "runtime/support/Error.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>

namespace {

using namespace ida;

/// Splits "NAME=VALUE"; throws naming the option.
std::pair<std::string, std::string> splitAssignment(const std::string &text,
                                                    const char *option) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw Error(std::string(option) + " '" + text +
                "': expected NAME=VALUE");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

Tensor readInput(const std::string &name, const std::string &path,
                 const BufferSpec *spec) {
  io::NpyArray a;
  try {
    a = io::readNpy(path);
  } catch (const std::exception &e) {
    throw Error("input '" + name + "': " + e.what());
  }
  DType dtype;
  switch (a.dtype) {
  case io::DType::Float32: dtype = DType::F32; break;
  case io::DType::Float64: dtype = DType::F64; break;
  case io::DType::BFloat16: dtype = DType::BF16; break;
  case io::DType::Int32: dtype = DType::I32; break;
  case io::DType::Int64: dtype = DType::I64; break;
  default:
    throw Error("input '" + name + "': unsupported .npy dtype in '" + path + "'");
  }
  Tensor t(dtype, a.shape);
  if (a.bytes.size() != t.nbytes())
    throw Error("input '" + name + "': '" + path + "' has " +
                std::to_string(a.bytes.size()) + " data bytes, expected " +
                std::to_string(t.nbytes()));
  std::memcpy(t.data(), a.bytes.data(), t.nbytes());
  // Convert float inputs to what the kernel takes; the launcher then checks
  // shapes. Integer/float mismatches are left for the launcher to report.
  if (spec && spec->dtype != dtype && isFloating(dtype) &&
      isFloating(spec->dtype))
    return t.to(spec->dtype);
  return t;
}

void writeOutput(const std::string &path, const Tensor &t) {
  io::NpyArray a;
  a.shape = t.shape();
  const Tensor *src = &t;
  Tensor converted;
  switch (t.dtype()) {
  case DType::I32: a.dtype = io::DType::Int32; break;
  case DType::I64: a.dtype = io::DType::Int64; break;
  default:
    a.dtype = io::DType::Float32;
    if (t.dtype() != DType::F32) {
      converted = t.to(DType::F32);
      src = &converted;
    }
  }
  const auto *bytes = static_cast<const uint8_t *>(src->data());
  a.bytes.assign(bytes, bytes + src->nbytes());
  io::writeNpy(path, a);
}

void listBundle(const Bundle &bundle) {
  const Manifest &m = bundle.manifest();
  std::cout << "bundle " << bundle.dir() << " (" << m.format;
  if (!m.compilerVersion.empty())
    std::cout << ", compiler " << m.compilerVersion;
  std::cout << ")\n";
  if (!m.statics.empty()) {
    std::cout << "static:";
    for (const auto &[k, v] : m.statics)
      std::cout << " " << k << "=" << v;
    std::cout << "\n";
  }
  for (const auto &[name, e] : m.entries) {
    std::cout << "entry " << name << "\n";
    for (const std::string &in : e.inputs) {
      const BufferSpec &b = m.buffer(in);
      std::cout << "  in   " << in << ": " << dtypeName(b.dtype) << " "
                << shapeExprString(b.shape) << (b.optional ? " (optional)" : "")
                << "\n";
    }
    for (const std::string &out : e.outputs) {
      const BufferSpec &b = m.buffer(out);
      std::cout << "  out  " << out << ": " << dtypeName(b.dtype) << " "
                << shapeExprString(b.shape) << "\n";
    }
    for (const StepSpec &s : e.steps) {
      const KernelSpec &k = m.kernel(s.kernel);
      std::cout << "  step " << k.name;
      if (!k.templateName.empty())
        std::cout << " (" << k.templateName << ")";
      std::cout << " targets:";
      for (const auto &[t, p] : k.sources)
        std::cout << " " << t;
      if (!k.space.keys.empty())
        std::cout << " default [" << configString(k.defaultConfig, k.space.keys)
                  << "], " << k.space.configs.size() << " configs";
      std::cout << "\n";
    }
  }
}

int run(int argc, char **argv) {
  CLI::App app{"Run an entry of an IDA bundle on .npy inputs"};
  std::string bundleDir, entryName, target = "auto", outDir;
  std::vector<std::string> ins, outs, configs;
  int threads = 0;
  bool list = false;
  app.add_option("bundle", bundleDir, "bundle directory")->required();
  app.add_option("--entry,-e", entryName,
                 "entry to run (default: the bundle's only entry)");
  app.add_option("--in,-i", ins, "input NAME=FILE.npy (float32 or float64)");
  app.add_option("--out,-o", outs, "output NAME=FILE.npy (written as float32)");
  app.add_option("--out-dir", outDir, "write every output as DIR/NAME.npy");
  app.add_option("--target", target, "cpu, cuda or auto")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  app.add_option("--config,-c", configs,
                 "force a tuning value KEY=VALUE or KERNEL.KEY=VALUE");
  app.add_option("--threads", threads, "CPU threads (default IDA_NUM_THREADS)");
  app.add_flag("--list", list, "print the bundle's entries and arguments");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    // CLI11 prints the message (or --help); usage errors exit with 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    auto bundle = Bundle::load(bundleDir);
    if (list) {
      listBundle(*bundle);
      return 0;
    }
    const Manifest &m = bundle->manifest();
    if (entryName.empty()) {
      if (m.entries.size() != 1) {
        std::string names;
        for (const auto &[n, e] : m.entries)
          names += (names.empty() ? "" : ", ") + n;
        throw Error("the bundle has several entries; choose one with --entry (" +
                    names + ")");
      }
      entryName = m.entries.begin()->first;
    }
    const EntrySpec &entry = m.entry(entryName);

    RunOptions options;
    for (const std::string &c : configs) {
      Config one = parseConfigString(c);
      options.forcedConfig.insert(one.begin(), one.end());
    }

    TensorMap inputs;
    for (const std::string &in : ins) {
      auto [name, path] = splitAssignment(in, "--in");
      if (inputs.count(name))
        throw Error("--in: input '" + name + "' given twice");
      const BufferSpec *spec =
          m.buffers.count(name) ? &m.buffers.at(name) : nullptr;
      inputs.emplace(name, readInput(name, path, spec));
    }
    std::vector<std::pair<std::string, std::string>> writes;
    for (const std::string &out : outs) {
      auto [name, path] = splitAssignment(out, "--out");
      if (!std::count(entry.outputs.begin(), entry.outputs.end(), name)) {
        std::string names;
        for (const std::string &n : entry.outputs)
          names += (names.empty() ? "" : ", ") + n;
        throw Error("--out: entry '" + entryName + "' has no output '" + name +
                    "' (outputs: " + names + ")");
      }
      writes.emplace_back(name, path);
    }
    if (!outDir.empty())
      for (const std::string &n : entry.outputs)
        writes.emplace_back(n, outDir + "/" + n + ".npy");

    std::shared_ptr<Device> device =
        makeDevice(resolveTarget(*bundle, entryName, target));
    if (threads > 0)
      if (auto *cpu = dynamic_cast<CpuDevice *>(device.get()))
        cpu->setNumThreads(threads);
    env::log("running entry '" + entryName + "' on " + device->name());
    Launcher launcher(bundle, device);
    launcher.useDefaultSelector(); // the autotuner, unless IDA_AUTOTUNE=0
    TensorMap outputs = launcher.run(entryName, inputs, options);
    for (const auto &[name, path] : writes)
      writeOutput(path, outputs.at(name));
    return 0;
  } catch (const std::exception &e) {
    // One line: multi-line messages (compiler logs) are cut to their first
    // line here, and the full text follows only with IDA_VERBOSE.
    std::string msg = e.what();
    size_t nl = msg.find('\n');
    if (nl != std::string::npos && !env::verbose()) {
      std::string first = msg.substr(0, nl);
      if (auto *ce = dynamic_cast<const CompileError *>(&e))
        first += " (source: " + ce->sourcePath() +
                 "; set IDA_VERBOSE=1 for the compiler log)";
      msg = first;
    }
    std::cerr << "ida-run: error: " << msg << "\n";
    return 1;
  }
}

} // namespace

int main(int argc, char **argv) { return run(argc, argv); }

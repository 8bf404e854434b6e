//===- runtime/tools/ida-tune/ida-tune.cpp - autotune a bundle ------------===//
//
//   ida-tune BUNDLE --shape B,T,H [--shape ...] [--target cpu|cuda|auto]
//            [--entry NAME] [--kernel NAME] [--retune] [--threads N]
//            [--export FILE] [--import FILE] [--quiet]
//
// Tunes every kernel of the bundle (or of one entry, or one kernel) at each
// shape on this device, saving the winners in the tuning records
// ($IDA_CACHE_DIR/tuning/, docs/autotuning.md), and prints one table per
// kernel and shape: configuration, median time, ratio to the best, and why
// a configuration was pruned or rejected. --import merges records exported
// on another machine with the same device and toolchain (before tuning);
// --export writes this device's records to a file (after tuning).
// Errors are one line on stderr and exit status 1 (2 for usage errors).
//
//===----------------------------------------------------------------------===//

#include "runtime/autotune/Autotuner.h"
#include "runtime/backend/cpu/CpuDevice.h"
#include "runtime/launcher/Launcher.h"
#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

namespace {

using namespace ida;
using namespace ida::autotune;

struct ShapeArg {
  int64_t B = 0, T = 0, H = -1; // H -1: not given (static H)
  std::string text;
};

ShapeArg parseShape(const std::string &text) {
  ShapeArg s;
  s.text = text;
  std::vector<int64_t> v;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    char *end = nullptr;
    long long x = std::strtoll(part.c_str(), &end, 10);
    if (part.empty() || *end != '\0' || x < 0)
      throw Error("--shape '" + text +
                  "': expected B,T,H (or B,T for a static H) as "
                  "non-negative integers");
    v.push_back(x);
  }
  if (v.size() != 2 && v.size() != 3)
    throw Error("--shape '" + text + "': expected B,T,H or B,T");
  s.B = v[0];
  s.T = v[1];
  if (v.size() == 3)
    s.H = v[2];
  return s;
}

Bindings bindingsFor(const Manifest &m, const ShapeArg &s) {
  Bindings b = m.statics;
  b["B"] = s.B;
  b["T"] = s.T;
  auto h = m.statics.find("H");
  if (h != m.statics.end()) {
    if (s.H >= 0 && s.H != h->second)
      throw Error("--shape '" + s.text + "': the bundle's H is static (" +
                  std::to_string(h->second) + "), not " + std::to_string(s.H));
  } else {
    if (s.H < 0)
      throw Error("--shape '" + s.text +
                  "': the bundle's H is dynamic; give B,T,H");
    b["H"] = s.H;
  }
  return b;
}

std::string fmtMs(double ms) {
  if (ms < 0)
    return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", ms);
  return buf;
}

void printReport(const TuneReport &r, const KernelSpec &k,
                 const RecordStore &store) {
  std::cout << "kernel " << r.kernel << "  B=" << r.dims.at("B")
            << " T=" << r.dims.at("T") << " H=" << r.dims.at("H")
            << "  bucket [T<=" << r.bucketT << ", B*H<=" << r.bucketBH
            << "]  on " << r.device << "\n";
  if (r.fromRecords) {
    const Candidate &c = r.candidates.front();
    std::cout << "  from records: ["
              << configString(c.config, k.space.keys) << "] "
              << fmtMs(c.medianMs) << " ms";
    if (r.record)
      std::cout << " (tuned " << r.record->tunedAt << ", "
                << r.record->candidates << " candidates; --retune to measure "
                                           "again)";
    std::cout << "\n\n";
    return;
  }
  if (r.candidates.empty()) {
    if (store.readOnly())
      std::cout << "  no record in " << store.path()
                << " (IDA_TUNING_FILE): the manifest default ["
                << configString(k.defaultConfig, k.space.keys)
                << "] would run\n\n";
    else
      std::cout << "  nothing to tune (no work at this shape)\n\n";
    return;
  }
  double best = r.winner >= 0 ? r.candidates[size_t(r.winner)].medianMs : -1;
  size_t width = 6;
  for (const Candidate &c : r.candidates)
    width = std::max(width, configString(c.config, k.space.keys).size());
  std::printf("  %-*s  %12s  %9s  %s\n", int(width), "config", "median ms",
              "ratio", "status");
  std::fflush(stdout);
  for (size_t i = 0; i < r.candidates.size(); ++i) {
    const Candidate &c = r.candidates[i];
    std::string ratio = "-";
    if (c.status == "ok" && best > 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.2fx", c.medianMs / best);
      ratio = buf;
    }
    std::string status = int(i) == r.winner ? "best" : c.status;
    if (!c.reason.empty())
      status += ": " + c.reason;
    else if (c.arenaBytes > 0) // CUDA: the shared memory its tiles used
      status += " (arena " + std::to_string(c.arenaBytes) + " B)";
    std::printf("  %-*s  %12s  %9s  %s\n", int(width),
                configString(c.config, k.space.keys).c_str(),
                fmtMs(c.medianMs).c_str(), ratio.c_str(), status.c_str());
  }
  std::printf("  tuned in %.2f s; %s\n\n", r.seconds,
              r.winner >= 0 ? ("winner [" +
                               configString(r.candidates[size_t(r.winner)].config,
                                            k.space.keys) +
                               "] saved")
                                  .c_str()
                            : "no usable configuration (nothing saved)");
  std::fflush(stdout);
}

int run(int argc, char **argv) {
  CLI::App app{"Autotune an IDA bundle's kernels for this device"};
  std::string bundleDir, target = "auto", entryName, kernelName, exportFile,
                         importFile;
  std::vector<std::string> shapes;
  bool retune = false, quiet = false;
  int threads = 0;
  app.add_option("bundle", bundleDir, "bundle directory")->required();
  app.add_option("--shape,-s", shapes,
                 "B,T,H (or B,T when H is static); repeatable");
  app.add_option("--target", target, "cpu, cuda or auto")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  app.add_option("--entry,-e", entryName, "only the kernels of this entry");
  app.add_option("--kernel,-k", kernelName, "only this kernel");
  app.add_flag("--retune", retune, "measure again even when records exist");
  app.add_option("--threads", threads, "CPU threads (default IDA_NUM_THREADS)");
  app.add_option("--export", exportFile,
                 "write this device's tuning records to FILE (after tuning)");
  app.add_option("--import", importFile,
                 "merge tuning records from FILE (before tuning)");
  app.add_flag("--quiet,-q", quiet, "no tables");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    std::vector<ShapeArg> parsed;
    for (const std::string &s : shapes)
      parsed.push_back(parseShape(s));
    if (parsed.empty() && exportFile.empty() && importFile.empty())
      throw Error("nothing to do: give --shape B,T,H (and/or --export, "
                  "--import)");
    auto bundle = Bundle::load(bundleDir);
    const Manifest &m = bundle->manifest();
    if (!entryName.empty())
      (void)m.entry(entryName);
    if (!kernelName.empty())
      (void)m.kernel(kernelName);

    std::shared_ptr<Device> device =
        makeDevice(resolveTarget(*bundle, entryName, target));
    if (threads > 0)
      if (auto *cpu = dynamic_cast<CpuDevice *>(device.get()))
        cpu->setNumThreads(threads);

    TunerOptions options = TunerOptions::fromEnv();
    options.mode = TunerOptions::Mode::Tune; // this tool always tunes
    Autotuner tuner(options);
    RecordStore &store = tuner.store(*device);

    if (!importFile.empty()) {
      if (store.readOnly())
        throw Error("--import: the records are read-only (IDA_TUNING_FILE is "
                    "set)");
      std::string problem;
      std::optional<RecordsFile> in =
          parseRecords(readFile(importFile), &problem);
      if (!in)
        throw Error("--import: '" + importFile + "' is not a tuning records "
                    "file: " + problem);
      if (!problem.empty())
        reportProblem("'" + importFile + "': " + problem);
      if (in->identity.key() != store.identity().key())
        throw Error("--import: '" + importFile + "' holds records for " +
                    in->identity.device + " (key " + in->identity.key() +
                    "), not for this device and toolchain: " +
                    store.identity().device + " (key " +
                    store.identity().key() + ")");
      std::vector<TuningRecord> records;
      for (auto &[key, r] : in->records) {
        TuningRecord copy = r;
        copy.source = "imported";
        records.push_back(copy);
      }
      store.save(records);
      std::cout << "imported " << records.size() << " records into "
                << store.path() << "\n";
    }

    // The kernels to tune, in entry and step order, each once.
    std::vector<std::string> kernels;
    std::set<std::string> seen;
    for (const auto &[name, e] : m.entries) {
      if (!entryName.empty() && name != entryName)
        continue;
      for (const StepSpec &s : e.steps)
        if ((kernelName.empty() || s.kernel == kernelName) &&
            seen.insert(s.kernel).second)
          kernels.push_back(s.kernel);
    }
    const char *tname = targetName(device->target());
    for (const ShapeArg &s : parsed) {
      Bindings dims = bindingsFor(m, s);
      for (const std::string &name : kernels) {
        const KernelSpec &k = m.kernel(name);
        if (!bundle->hasSource(name, tname))
          throw UnavailableError("kernel '" + name + "' has no " + tname +
                                 " source");
        TuneReport r = tuner.tune(*bundle, k, dims, *device, retune);
        if (!quiet)
          printReport(r, k, store);
      }
    }

    if (!exportFile.empty()) {
      store.reload();
      RecordsFile out;
      out.identity = store.identity();
      out.updated = nowIso8601();
      out.records = store.records();
      writeFileAtomic(exportFile, serializeRecords(out));
      std::cout << "exported " << out.records.size() << " records ("
                << out.identity.device << ") to " << exportFile << "\n";
    }
    return 0;
  } catch (const std::exception &e) {
    std::string msg = e.what();
    size_t nl = msg.find('\n');
    if (nl != std::string::npos && !env::verbose())
      msg = msg.substr(0, nl);
    std::cerr << "ida-tune: error: " << msg << "\n";
    return 1;
  }
}

} // namespace

int main(int argc, char **argv) { return run(argc, argv); }

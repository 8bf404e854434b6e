//===- runtime/tools/ida-bench/main.cpp - IDA performance record ----------===//
//
//   ida-bench [--bundle DIR ...] [--preset "IDAC PRESET FLAGS" ...]
//             [--shape B,T,H ...] [--target cpu|cuda|auto]
//             [--entry forward|forward_vjp|decode ...]
//             [--impl generated|unfused|naive ...] [--reps N] [--warmup N]
//             [--naive-reps N] [--threads N] [--config KEY=VALUE ...]
//             [--seed N] [--tol X] [--json FILE]
//
// Times the entries of preset bundles with their tuned configurations (the
// launcher's normal selection) next to the float64 recurrence of
// runtime/reference (the yardstick of every implementation's error) and the
// unfused fp32 chunked baseline of runtime/bench, with the machine's
// ceilings measured in the same run. Without --bundle/--preset it measures
// issue #10's default preset (written by idac into $IDA_CACHE_DIR/bundles/).
// Errors: one line on stderr, exit 1 (2 for usage); exit 1 as well, after
// the table and JSON are written, when an implementation disagrees with the
// reference beyond the tolerance. docs/performance.md explains the counts.
//
//===----------------------------------------------------------------------===//

#include "runtime/backend/cpu/CpuDevice.h"
#include "runtime/bench/Unfused.h"
#include "runtime/launcher/Launcher.h"
#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "runtime/tools/ida-bench/BenchBundle.h"
#include "runtime/tools/ida-bench/Generated.h"
#include "runtime/tools/ida-bench/Report.h"
#include "runtime/tools/ida-bench/Workload.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <sstream>
#include <time.h>

namespace {

using namespace ida;
using namespace ida::benchtool;

struct Options {
  std::vector<std::string> bundles, presets, shapes, entries, impls, configs;
  std::string target = "auto", jsonPath;
  int reps = 10, warmup = 2, naiveReps = 1, threads = 0;
  uint64_t seed = 20261128;
  double tol = 1e-5, tolLowPrecision = 2e-2;
  RunOptions runOptions;

  bool wants(const std::vector<std::string> &list, const std::string &x) const {
    return std::count(list.begin(), list.end(), x) > 0;
  }
};

double median(std::vector<double> v) {
  if (v.empty())
    return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

template <class Body> double wallMs(Body &&body) {
  const auto t0 = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

/// Warm-up, then `reps` timed runs of `run` (which returns its own ms);
/// the process's CPU time is kept beside the wall time, since on a shared
/// machine the wall clock also measures the neighbours.
template <class Run> void measure(Record &r, int warmup, int reps, Run &&run) {
  for (int i = 0; i < warmup; ++i)
    run();
  for (int i = 0; i < std::max(reps, 1); ++i) {
    const double c0 = cpuSeconds();
    r.samplesMs.push_back(run());
    r.cpuMs.push_back((cpuSeconds() - c0) * 1e3);
  }
  r.ms = median(r.samplesMs);
  r.cpuMsMedian = median(r.cpuMs);
}

std::string firstLine(const std::string &s) {
  return s.substr(0, s.find('\n'));
}

std::string utcNow() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::map<std::string, ref::Array> namedReference(const std::string &entry,
                                                 const ref::Outputs *fwd,
                                                 const ref::Gradients *grads) {
  std::map<std::string, ref::Array> m;
  auto put = [&](const char *name, const ref::Array &a) {
    if (!a.data.empty())
      m[name] = a;
  };
  if (fwd && entry == "forward") {
    put("y", fwd->y), put("S_T", fwd->S_T), put("Z_T", fwd->Z_T);
  } else if (fwd && entry == "decode") {
    put("y", fwd->y), put("S_new", fwd->S_T), put("Z_new", fwd->Z_T);
  } else if (grads) {
    put("dq", grads->dq), put("dk", grads->dk), put("dv", grads->dv);
    put("ddt", grads->ddt), put("dg", grads->dg), put("dA_log", grads->dA_log);
    put("ddt_bias", grads->ddt_bias), put("dW", grads->dW);
    put("dS0", grads->dS0), put("dZ0", grads->dZ0);
  }
  return m;
}

/// The unfused baseline's fp32 copies of one workload's inputs.
struct UnfusedData {
  std::vector<float> q, k, v, dt, g, A_log, dt_bias, W, dy;
  explicit UnfusedData(const Workload &w) {
    auto f = [](const ref::Array &a) {
      return std::vector<float>(a.data.begin(), a.data.end());
    };
    q = f(w.in.q), k = f(w.in.k), v = f(w.in.v), dt = f(w.in.dt);
    g = f(w.in.g), A_log = f(w.in.A_log), dt_bias = f(w.in.dt_bias);
    if (w.in.W)
      W = f(*w.in.W);
    dy = f(w.dy);
  }
  bench::UnfusedInputs view() const {
    bench::UnfusedInputs in;
    in.q = q.data(), in.k = k.data(), in.v = v.data(), in.dt = dt.data();
    in.g = g.data(), in.A_log = A_log.data(), in.dt_bias = dt_bias.data();
    in.W = W.empty() ? nullptr : W.data();
    return in;
  }
};

class Bench {
public:
  Bench(const Options &o, const Ceilings &c, int threads)
      : o_(o), ceilings_(c), threads_(threads) {}

  void run(const BenchBundle &b, const ShapeArg &s);
  std::vector<Record> &records() { return records_; }

private:
  Launcher &launcherFor(const BenchBundle &b);
  Record base(const BenchBundle &b, const ShapeArg &s, const std::string &entry,
              const std::string &impl, const std::string &device) const;
  void finish(Record &r, const Agreement &a, const std::string &dtype);
  void runGenerated(const BenchBundle &b, const Workload &w,
                    const std::string &entry, const TensorMap &inputs,
                    const std::map<std::string, ref::Array> &refs,
                    double bytes);
  void runUnfused(const BenchBundle &b, const Workload &w,
                  const std::string &entry,
                  const std::map<std::string, ref::Array> &refs, double bytes);

  const Options &o_;
  const Ceilings &ceilings_;
  int threads_;
  std::vector<Record> records_;
  std::map<std::string, std::shared_ptr<Device>> devices_;
  std::map<std::string, std::unique_ptr<Launcher>> launchers_;
};

Launcher &Bench::launcherFor(const BenchBundle &b) {
  auto it = launchers_.find(b.dir);
  if (it != launchers_.end())
    return *it->second;
  const std::string target = resolveTarget(*b.bundle, "", o_.target);
  std::shared_ptr<Device> &dev = devices_[target];
  if (!dev) {
    dev = makeDevice(target);
    if (auto *cpu = dynamic_cast<CpuDevice *>(dev.get()))
      cpu->setNumThreads(threads_);
  }
  auto launcher = std::make_unique<Launcher>(b.bundle, dev);
  launcher->useDefaultSelector(); // the autotuner, unless IDA_AUTOTUNE=0
  return *(launchers_[b.dir] = std::move(launcher));
}

Record Bench::base(const BenchBundle &b, const ShapeArg &s,
                   const std::string &entry, const std::string &impl,
                   const std::string &device) const {
  Record r;
  r.preset = b.preset.label();
  r.bundle = b.dir;
  r.shape = s.text();
  r.B = s.B, r.T = s.T, r.H = s.H;
  r.entry = entry;
  r.implementation = impl;
  r.device = device;
  r.usefulFlops = usefulFlops(b.preset, s, entry);
  return r;
}

void Bench::finish(Record &r, const Agreement &a, const std::string &dtype) {
  r.relErr = a.maxRelErr;
  r.relErrByOutput = a.perOutput;
  r.unchecked = a.unchecked;
  const double tol = dtype == "f32" ? o_.tol : o_.tolLowPrecision;
  r.agrees = !a.perOutput.empty() && a.maxRelErr <= tol;
  computeRates(r, ceilings_);
}

void Bench::runGenerated(const BenchBundle &b, const Workload &w,
                         const std::string &entry, const TensorMap &inputs,
                         const std::map<std::string, ref::Array> &refs,
                         double bytes) {
  Record r = base(b, w.shape, entry, "generated", "");
  r.minBytes = bytes;
  try {
    Launcher &launcher = launcherFor(b);
    r.device = launcher.device().name();
    GeneratedEntry ge(launcher, entry, inputs, o_.runOptions);
    for (const KernelChoice &c : ge.choices()) {
      nlohmann::ordered_json cfg = nlohmann::ordered_json::object();
      for (const auto &[k, v] : c.config)
        cfg[k] = v;
      r.config[c.kernel] = {{"config", cfg}, {"origin", c.origin}};
    }
    measure(r, o_.warmup, o_.reps, [&] { return ge.run(); });
    NamedValues outs;
    for (const auto &[name, t] : ge.outputs())
      outs[logicalName(entry, name)] = t.toDoubles();
    finish(r, compare(outs, refs), b.preset.dtype);
  } catch (const std::exception &e) {
    r.status = "error";
    r.note = firstLine(e.what());
    std::cerr << "ida-bench: " << entry << " (generated): " << e.what() << "\n";
  }
  records_.push_back(std::move(r));
}

void Bench::runUnfused(const BenchBundle &b, const Workload &w,
                       const std::string &entry,
                       const std::map<std::string, ref::Array> &refs,
                       double bytes) {
  const PresetInfo &p = b.preset;
  Record r = base(b, w.shape, entry, "unfused",
                  "cpu: fp32 unfused chunked, OpenBLAS (" +
                      std::to_string(threads_) + " threads)");
  r.minBytes = bytes;
  r.note = "C=" + std::to_string(p.chunk);
  try {
    bench::UnfusedProblem prob;
    prob.cfg = w.cfg;
    prob.B = w.shape.B, prob.T = w.shape.T, prob.H = w.shape.H;
    prob.D = p.D, prob.P = p.P, prob.N = p.N, prob.C = p.chunk;
    bench::UnfusedChunked impl(prob, threads_);
    const UnfusedData data(w);
    const bench::UnfusedInputs in = data.view();
    const int64_t B = prob.B, T = prob.T, H = prob.H, N = p.N, F = p.F, P = p.P,
                  D = p.D;
    NamedValues outs;
    if (entry == "forward") {
      std::vector<float> y(B * T * H * P), S(B * H * N * F * P),
          Z(p.normalize ? B * H * N * F : 0);
      bench::UnfusedOutputs out{y.data(), S.data(),
                                p.normalize ? Z.data() : nullptr};
      measure(r, o_.warmup, o_.reps,
              [&] { return wallMs([&] { impl.forward(in, out); }); });
      outs = {{"y", toDoubles(y)}, {"S_T", toDoubles(S)}};
      if (p.normalize)
        outs["Z_T"] = toDoubles(Z);
    } else {
      std::vector<float> dq(B * T * H * D), dk(dq.size()), dv(B * T * H * P),
          ddt(B * T * H), dg(B * T * H * N), dA(H * N), ddtb(H),
          dW(data.W.size()), dS0(B * H * N * F * P), dZ0(B * H * N * F);
      bench::UnfusedGradients g;
      g.dq = dq.data(), g.dk = dk.data(), g.dv = dv.data(), g.ddt = ddt.data();
      g.dg = dg.data(), g.dA_log = dA.data(), g.ddt_bias = ddtb.data();
      g.dW = dW.empty() ? nullptr : dW.data();
      g.dS0 = dS0.data(), g.dZ0 = p.normalize ? dZ0.data() : nullptr;
      measure(r, o_.warmup, o_.reps, [&] {
        return wallMs(
            [&] { impl.backward(in, data.dy.data(), nullptr, nullptr, g); });
      });
      outs = {{"dq", toDoubles(dq)},         {"dk", toDoubles(dk)},
              {"dv", toDoubles(dv)},         {"ddt", toDoubles(ddt)},
              {"dg", toDoubles(dg)},         {"dA_log", toDoubles(dA)},
              {"ddt_bias", toDoubles(ddtb)}, {"dS0", toDoubles(dS0)}};
      if (!dW.empty())
        outs["dW"] = toDoubles(dW);
      if (p.normalize)
        outs["dZ0"] = toDoubles(dZ0);
    }
    finish(r, compare(outs, refs), "f32");
  } catch (const std::exception &e) {
    r.status = "error";
    r.note = firstLine(e.what());
    std::cerr << "ida-bench: " << entry << " (unfused): " << e.what() << "\n";
  }
  records_.push_back(std::move(r));
}

void Bench::run(const BenchBundle &b, const ShapeArg &s) {
  Workload w = makeWorkload(b, s, o_.seed);
  const Manifest &m = b.bundle->manifest();
  const std::string naiveDevice = "cpu: float64 recurrence (1 thread)";
  std::cerr << "ida-bench: " << b.preset.label() << " at B,T,H = " << s.text()
            << " (" << b.dir << ")\n";

  // The recurrent forward is always run: it is the yardstick of the forward
  // and gives decode its starting state.
  ref::Outputs fwd;
  Record naiveFwd = base(b, s, "forward", "naive", naiveDevice);
  measure(naiveFwd, 0, o_.naiveReps,
          [&] { return wallMs([&] { fwd = ref::forward(w.cfg, w.in); }); });
  w.S = fwd.S_T;
  w.Z = fwd.Z_T;
  if (m.entries.count("decode")) { // the state input's dtype
    for (const std::string &in : m.entry("decode").inputs)
      if (logicalName("decode", in) == "S")
        w.S.data = Tensor::fromDoubles(m.buffer(in).dtype, w.S.shape, w.S.data)
                       .toDoubles();
  }

  for (const std::string &entry : o_.entries) {
    if (!m.entries.count(entry)) {
      std::cerr << "ida-bench: " << b.dir << " has no entry '" << entry
                << "'; skipped\n";
      continue;
    }
    const size_t first = records_.size();
    Record naive =
        entry == "forward" ? naiveFwd : base(b, s, entry, "naive", naiveDevice);
    std::map<std::string, ref::Array> refs;
    if (entry == "forward") {
      refs = namedReference(entry, &fwd, nullptr);
    } else if (entry == "forward_vjp") {
      ref::Cotangents ct;
      ct.dy = w.dy;
      ref::Gradients grads;
      measure(naive, 0, o_.naiveReps, [&] {
        return wallMs([&] { grads = ref::backward(w.cfg, w.in, ct); });
      });
      refs = namedReference(entry, nullptr, &grads);
    } else if (entry == "decode") {
      ref::Outputs step;
      measure(naive, 1, o_.reps, [&] {
        ref::Array S = w.S, Z = w.Z; // decodeStep updates in place
        double ms = wallMs([&] {
          step.y = ref::decodeStep(w.cfg, w.token, S,
                                   w.cfg.normalize ? &Z : nullptr);
        });
        step.S_T = std::move(S), step.Z_T = std::move(Z);
        return ms;
      });
      refs = namedReference(entry, &step, nullptr);
    } else {
      std::cerr << "ida-bench: entry '" << entry << "' is not benchmarked\n";
      continue;
    }
    const TensorMap inputs = entryInputs(b, w, entry);
    const double bytes = minBytes(b, entry, inputs, shapeBindings(b, s));
    naive.minBytes = bytes;
    naive.relErr = 0;
    naive.agrees = true;
    naive.note = "the reference";
    computeRates(naive, ceilings_);
    records_.push_back(naive);
    if (o_.wants(o_.impls, "generated"))
      runGenerated(b, w, entry, inputs, refs, bytes);
    if (o_.wants(o_.impls, "unfused") && entry != "decode")
      runUnfused(b, w, entry, refs, bytes);
    for (size_t i = first; i < records_.size(); ++i)
      records_[i].speedupVsNaive = naive.ms / records_[i].ms;
    if (!o_.wants(o_.impls, "naive"))
      records_.erase(records_.begin() + first);
  }
}

int run(int argc, char **argv) {
  Options o;
  CLI::App app{"Time IDA bundles against the float64 recurrence, an unfused "
               "fp32 chunked baseline and the machine's measured ceilings"};
  app.add_option("--bundle,-b", o.bundles,
                 "preset bundle directory (repeatable)");
  app.add_option(
      "--preset", o.presets,
      "idac preset flags, e.g. \"--mixer ssm --basis 8\" (repeatable; "
      "written once into $IDA_CACHE_DIR/bundles)");
  app.add_option("--shape,-s", o.shapes,
                 "B,T,H (repeatable; default 2,2048,4)");
  app.add_option("--target", o.target, "cpu, cuda or auto")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  app.add_option("--entry,-e", o.entries,
                 "forward, forward_vjp, decode (repeatable; default all)")
      ->check(CLI::IsMember({"forward", "forward_vjp", "decode"}));
  app.add_option(
         "--impl", o.impls,
         "generated, unfused, naive (repeatable; default all; the naive "
         "reference always runs, it checks the others)")
      ->check(CLI::IsMember({"generated", "unfused", "naive"}));
  app.add_option("--reps", o.reps, "timed repetitions (median reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup, "untimed runs before timing")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--naive-reps", o.naiveReps,
                 "repetitions of the float64 forward/backward (slow at long T)")
      ->check(CLI::PositiveNumber);
  app.add_option("--threads", o.threads,
                 "CPU threads (default IDA_NUM_THREADS or all)");
  app.add_option("--config,-c", o.configs,
                 "force a tuning value KEY=VALUE or KERNEL.KEY=VALUE");
  app.add_option("--seed", o.seed, "seed of the random inputs");
  app.add_option("--tol", o.tol,
                 "largest relative error vs the float64 reference for fp32 "
                 "bundles (default 1e-5, spec §9)");
  app.add_option("--json", o.jsonPath, "write the ceilings and records here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.entries.empty())
    o.entries = {"forward", "forward_vjp", "decode"};
  if (o.impls.empty())
    o.impls = {"generated", "unfused", "naive"};

  try {
    for (const std::string &c : o.configs) {
      Config one = parseConfigString(c);
      o.runOptions.forcedConfig.insert(one.begin(), one.end());
    }
    std::vector<ShapeArg> shapes;
    for (const std::string &s : o.shapes)
      shapes.push_back(parseShape(s));
    if (shapes.empty())
      shapes.push_back(ShapeArg{});
    std::vector<std::string> dirs = o.bundles;
    for (const std::string &flags : o.presets) {
      std::istringstream in(flags);
      std::vector<std::string> words;
      for (std::string word; in >> word;)
        words.push_back(word);
      dirs.push_back(presetBundle(words));
    }
    if (dirs.empty())
      dirs.push_back(presetBundle(defaultPresetFlags()));
    std::vector<BenchBundle> bundles;
    for (const std::string &d : dirs)
      bundles.push_back(loadBenchBundle(d));

    for (const BenchBundle &b : bundles) // a static H must match, up front
      for (const ShapeArg &s : shapes)
        (void)shapeBindings(b, s);

    // A GPU is looked for first, so that --target cuda without one fails
    // before anything is measured.
    std::unique_ptr<Device> gpu;
    std::string gpuNote;
    if (!bench::gpuCeilingsBuilt())
      gpuNote =
          "GPU ceiling not measured: built without CUDA (IDA_ENABLE_CUDA=OFF)";
    else if (o.target == "cpu")
      gpuNote = "GPU ceiling not measured: --target cpu";
    else
      try {
        gpu = makeDevice("cuda");
      } catch (const UnavailableError &e) {
        if (o.target == "cuda")
          throw;
        gpuNote =
            std::string("GPU ceiling not measured: ") + firstLine(e.what());
      }
    if (o.target == "cuda" && !bench::gpuCeilingsBuilt())
      throw UnavailableError("--target cuda: this ida-bench was built without "
                             "CUDA (IDA_ENABLE_CUDA=OFF)");

    MachineInfo machine;
    machine.cpu = bench::cpuInfo();
    machine.threads = o.threads > 0 ? o.threads : env::numThreads();
    machine.date = utcNow();
    machine.loadStart = bench::loadAverage();

    // Ceilings first, in the same run as the kernels.
    Ceilings ceilings;
    std::cerr << "ida-bench: measuring the machine's ceilings\n";
    ceilings.fma = bench::measureFmaPeak(machine.threads);
    ceilings.fmaOneThread = bench::measureFmaPeak(1);
    ceilings.copy = bench::measureCopyBandwidth(machine.threads);
    if (gpu)
      ceilings.gpu = bench::measureGpuCeilings(*gpu);
    else
      ceilings.gpu.note = gpuNote;
    gpu.reset();

    Bench bench(o, ceilings, machine.threads);
    for (const BenchBundle &b : bundles)
      for (const ShapeArg &s : shapes)
        bench.run(b, s);
    machine.loadEnd = bench::loadAverage();

    std::cout << "\n";
    printCeilings(std::cout, machine, ceilings);
    std::cout << "\n";
    printTable(std::cout, bench.records());

    std::string command;
    for (int i = 0; i < argc; ++i)
      command += (i ? " " : "") + std::string(argv[i]);
    nlohmann::ordered_json settings = {
        {"command", command},
        {"target", o.target},
        {"reps", o.reps},
        {"warmup", o.warmup},
        {"naive_reps", o.naiveReps},
        {"threads", machine.threads},
        {"seed", o.seed},
        {"tol", o.tol},
        {"tol_low_precision", o.tolLowPrecision},
        {"entries", o.entries},
        {"implementations", o.impls},
        {"forced_config", o.configs},
        {"autotune", env::get("IDA_AUTOTUNE").value_or("")},
        {"bundles", dirs}};
    if (!o.jsonPath.empty())
      writeFileAtomic(
          o.jsonPath,
          toJson(machine, ceilings, bench.records(), settings).dump(2) + "\n");

    int bad = 0;
    for (const Record &r : bench.records())
      bad += r.status != "ok" || !r.agrees;
    if (bad) {
      std::cerr << "ida-bench: error: " << bad
                << " record(s) failed or disagree with the float64 reference\n";
      return 1;
    }
    return 0;
  } catch (const std::exception &e) {
    std::string msg = e.what();
    if (!env::verbose())
      msg = firstLine(msg);
    std::cerr << "ida-bench: error: " << msg << "\n";
    return 1;
  }
}

} // namespace

int main(int argc, char **argv) { return run(argc, argv); }

//===- runtime/tools/ida-bench/Report.cpp - records, table, JSON ----------===//
#include "runtime/tools/ida-bench/Report.h"

#include <algorithm>
#include <cstdio>

namespace ida::benchtool {

namespace {

nlohmann::ordered_json num(double x) {
  return std::isfinite(x) ? nlohmann::ordered_json(x)
                          : nlohmann::ordered_json();
}

std::string fmt(const char *format, double x) {
  if (!std::isfinite(x))
    return "-";
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, x);
  return buf;
}

} // namespace

void computeRates(Record &r, const Ceilings &c) {
  if (!(r.ms > 0))
    return;
  r.gflops = r.usefulFlops / (r.ms * 1e-3) * 1e-9;
  r.gbPerS = r.minBytes / (r.ms * 1e-3) * 1e-9;
  const bool gpu = r.device.rfind("cuda", 0) == 0;
  double peak = NAN, bandwidth = NAN;
  if (gpu) {
    if (c.gpu.sgemmMeasured)
      peak = c.gpu.sgemmGflops;
    if (c.gpu.copyMeasured)
      bandwidth = c.gpu.copyGbPerS;
  } else {
    // The best rate any thread count reached: on a loaded machine a team of
    // threads can be slower than one thread (a preempted thread holds up the
    // others), and a kernel tuned to one thread must not look faster than
    // the machine for it.
    peak = std::max(c.fma.gflops, c.fmaOneThread.gflops);
    bandwidth = c.copy.gbPerS;
  }
  r.peakGflops = peak;
  if (!gpu && r.cpuMsMedian > 0) {
    r.gflopsPerCpuSecond = r.usefulFlops / (r.cpuMsMedian * 1e-3) * 1e-9;
    r.percentOfCorePeakCpuTime =
        100.0 * r.gflopsPerCpuSecond / c.fmaOneThread.gflopsPerCpuSecond;
  }
  r.percentOfPeak = 100.0 * r.gflops / peak;
  r.percentOfBandwidth = 100.0 * r.gbPerS / bandwidth;
}

void printCeilings(std::ostream &os, const MachineInfo &m, const Ceilings &c) {
  char line[512];
  std::snprintf(line, sizeof(line),
                "machine: %s, %d logical CPUs (%d cores), %d threads used, "
                "load average %.2f %.2f %.2f, %s\n",
                m.cpu.model.c_str(), m.cpu.logicalCpus, m.cpu.physicalCores,
                m.threads, m.loadStart[0], m.loadStart[1], m.loadStart[2],
                m.date.c_str());
  os << line;
  std::snprintf(line, sizeof(line),
                "ceilings: fp32 FMA %.1f GFLOP/s (%d threads; %.1f on one; "
                "%.1f per CPU-second of one core; %s, %d accumulators), copy "
                "%.1f GB/s (read + write, %zu MiB)\n",
                c.fma.gflops, c.fma.threads, c.fmaOneThread.gflops,
                c.fmaOneThread.gflopsPerCpuSecond, c.fma.isa.c_str(),
                c.fma.accumulators, c.copy.gbPerS, c.copy.bytes >> 20);
  os << line;
  if (c.gpu.copyMeasured || c.gpu.sgemmMeasured) {
    os << "ceilings: " << c.gpu.device << ": device copy "
       << fmt("%.0f", c.gpu.copyGbPerS) << " GB/s, SGEMM "
       << fmt("%.0f", c.gpu.sgemmGflops) << " GFLOP/s";
    if (!c.gpu.note.empty())
      os << " (" << c.gpu.note << ")";
    os << "\n";
  } else {
    os << "ceilings: " << c.gpu.note << "\n";
  }
}

void printTable(std::ostream &os, const std::vector<Record> &records) {
  char line[512];
  std::snprintf(line, sizeof(line),
                "%-26s %-12s %-11s %-9s %10s %9s %6s %8s %6s %8s %9s %9s\n",
                "preset", "shape", "entry", "impl", "ms", "GFLOP/s", "%peak",
                "GB/s", "%bw", "speedup", "%core-cpu", "rel_err");
  os << line;
  for (const Record &r : records) {
    if (r.status != "ok") {
      std::snprintf(line, sizeof(line), "%-26s %-12s %-11s %-9s %s\n",
                    r.preset.c_str(), r.shape.c_str(), r.entry.c_str(),
                    r.implementation.c_str(), r.note.c_str());
      os << line;
      continue;
    }
    std::snprintf(line, sizeof(line),
                  "%-26s %-12s %-11s %-9s %10s %9s %6s %8s %6s %8s %9s %9s%s\n",
                  r.preset.c_str(), r.shape.c_str(), r.entry.c_str(),
                  r.implementation.c_str(), fmt("%.3f", r.ms).c_str(),
                  fmt("%.2f", r.gflops).c_str(),
                  fmt("%.1f", r.percentOfPeak).c_str(),
                  fmt("%.2f", r.gbPerS).c_str(),
                  fmt("%.1f", r.percentOfBandwidth).c_str(),
                  fmt("%.1fx", r.speedupVsNaive).c_str(),
                  fmt("%.1f", r.percentOfCorePeakCpuTime).c_str(),
                  fmt("%.1e", r.relErr).c_str(), r.agrees ? "" : "  DISAGREES");
    os << line;
  }
}

nlohmann::ordered_json toJson(const MachineInfo &m, const Ceilings &c,
                              const std::vector<Record> &records,
                              const nlohmann::ordered_json &settings) {
  using J = nlohmann::ordered_json;
  J out;
  out["format"] = "ida-bench/1";
  out["machine"] = {{"cpu_model", m.cpu.model},
                    {"logical_cpus", m.cpu.logicalCpus},
                    {"physical_cores", m.cpu.physicalCores},
                    {"threads", m.threads},
                    {"date", m.date},
                    {"load_average_start", m.loadStart},
                    {"load_average_end", m.loadEnd}};
  out["settings"] = settings;
  J gpu = {{"measured", c.gpu.copyMeasured || c.gpu.sgemmMeasured},
           {"device", c.gpu.device},
           {"copy_gbs", c.gpu.copyMeasured ? num(c.gpu.copyGbPerS) : J()},
           {"copy_bytes", c.gpu.copyBytes},
           {"sgemm_gflops", c.gpu.sgemmMeasured ? num(c.gpu.sgemmGflops) : J()},
           {"sgemm_size", c.gpu.sgemmSize},
           {"note", c.gpu.note}};
  out["ceilings"] = {{"cpu",
                      {{"fma_gflops", num(c.fma.gflops)},
                       {"fma_threads", c.fma.threads},
                       {"fma_gflops_one_thread", num(c.fmaOneThread.gflops)},
                       {"fma_gflops_per_cpu_second_one_core",
                        num(c.fmaOneThread.gflopsPerCpuSecond)},
                       {"fma_isa", c.fma.isa},
                       {"fma_lanes", c.fma.lanes},
                       {"fma_accumulators", c.fma.accumulators},
                       {"copy_gbs", num(c.copy.gbPerS)},
                       {"copy_bytes", c.copy.bytes},
                       {"copy_threads", c.copy.threads}}},
                     {"gpu", gpu}};
  J list = J::array();
  for (const Record &r : records) {
    J errs = J::object();
    for (const auto &[k, v] : r.relErrByOutput)
      errs[k] = num(v);
    list.push_back(
        {{"preset", r.preset},
         {"bundle", r.bundle},
         {"shape", {{"B", r.B}, {"T", r.T}, {"H", r.H}}},
         {"entry", r.entry},
         {"implementation", r.implementation},
         {"device", r.device},
         {"status", r.status},
         {"note", r.note},
         {"ms", num(r.ms)},
         {"samples_ms", r.samplesMs},
         {"cpu_ms", num(r.cpuMsMedian)},
         {"useful_flops", num(r.usefulFlops)},
         {"min_bytes", num(r.minBytes)},
         {"gflops", num(r.gflops)},
         {"gbs", num(r.gbPerS)},
         {"peak_gflops", num(r.peakGflops)},
         {"percent_of_peak", num(r.percentOfPeak)},
         {"percent_of_bandwidth", num(r.percentOfBandwidth)},
         {"gflops_per_cpu_second", num(r.gflopsPerCpuSecond)},
         {"percent_of_core_peak_cpu_time", num(r.percentOfCorePeakCpuTime)},
         {"speedup_vs_naive", num(r.speedupVsNaive)},
         {"rel_err", num(r.relErr)},
         {"rel_err_by_output", errs},
         {"unchecked_outputs", r.unchecked},
         {"agrees", r.agrees},
         {"config", r.config}});
  }
  out["records"] = list;
  return out;
}

} // namespace ida::benchtool

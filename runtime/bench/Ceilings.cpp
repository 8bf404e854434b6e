//===- runtime/bench/Ceilings.cpp - FMA loop, copy bandwidth, CPU info ----===//
//
// Compiled with -O3 -march=native (runtime/bench/CMakeLists.txt), like the
// kernels the host compiler builds, so the loop uses the same vector ISA.
//
//===----------------------------------------------------------------------===//
#include "runtime/bench/Ceilings.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include <time.h>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace ida::bench {

namespace {

// One vector type per ISA. Accumulators: FMA latency (4 cycles on Zen 3 and
// recent Intel cores) times FMA pipes (2) chains keep every pipe busy; a few
// more hide scheduling, within the register file (16 ymm / 32 zmm registers,
// two of which hold the constants).
#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kLanes = 16, kAccumulators = 16;
constexpr const char *kIsa = "avx512f";
inline Vec splat(float x) { return _mm512_set1_ps(x); }
inline Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
#elif defined(__AVX2__) && defined(__FMA__)
using Vec = __m256;
constexpr int kLanes = 8, kAccumulators = 12;
constexpr const char *kIsa = "avx2+fma";
inline Vec splat(float x) { return _mm256_set1_ps(x); }
inline Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
#else
// No FMA ISA known at build time: GCC vector extensions, multiply-add.
using Vec = float __attribute__((vector_size(16)));
constexpr int kLanes = 4, kAccumulators = 8;
constexpr const char *kIsa = "generic (no FMA ISA)";
inline Vec splat(float x) { return Vec{x, x, x, x}; }
inline Vec fma(Vec a, Vec b, Vec c) { return a * b + c; }
#endif

float laneSum(Vec v) {
  float lanes[kLanes];
  std::memcpy(lanes, &v, sizeof(v));
  float s = 0;
  for (float x : lanes)
    s += x;
  return s;
}

// The factors come through volatiles so the compiler cannot fold the chains;
// x -> 0.999999 x + 1e-6 stays near 1, so nothing overflows or denormalises.
volatile float gMul = 0.999999f, gAdd = 1e-6f;

__attribute__((noinline)) float fmaChains(int64_t iters) {
  const Vec m = splat(gMul), a = splat(gAdd);
  Vec acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i)
    acc[i] = splat(1.0f + 1e-3f * i);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < kAccumulators; ++i)
      acc[i] = fma(acc[i], m, a);
  float s = 0;
  for (int i = 0; i < kAccumulators; ++i)
    s += laneSum(acc[i]);
  return s;
}

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double clockSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}
double cpuNow() { return clockSeconds(CLOCK_PROCESS_CPUTIME_ID); }
double threadCpuNow() { return clockSeconds(CLOCK_THREAD_CPUTIME_ID); }

struct Seconds {
  double wall = 0, cpu = 0;
};

/// Wall and process CPU seconds for every thread to run `iters` iterations.
Seconds timeFma(int threads, int64_t iters) {
  std::vector<float> sink(threads);
  const double t0 = now(), c0 = cpuNow();
#pragma omp parallel num_threads(threads)
  sink[omp_get_thread_num()] = fmaChains(iters);
  Seconds t{now() - t0, cpuNow() - c0};
  volatile float keep = 0;
  for (float s : sink)
    keep = keep + s;
  return t;
}

} // namespace

FmaPeak measureFmaPeak(int threads, double seconds, int trials) {
  threads = std::max(threads, 1);
  // Calibrated on this thread's CPU time, which a preemption on a loaded
  // machine does not inflate (a wall-clock calibration could stop at a tiny
  // loop that happened to be descheduled, and every trial would then time
  // wake-ups instead of FMAs).
  int64_t iters = 1 << 14;
  double cpu = 0;
  for (;;) {
    const double c0 = threadCpuNow();
    fmaChains(iters);
    cpu = threadCpuNow() - c0;
    if (cpu >= 0.02)
      break;
    iters *= 2;
  }
  iters = std::max<int64_t>(1, int64_t(double(iters) * seconds / cpu));
  FmaPeak r;
  r.threads = threads;
  r.lanes = kLanes;
  r.accumulators = kAccumulators;
  r.isa = kIsa;
  const double flops = 2.0 * kLanes * kAccumulators * double(iters) * threads;
  for (int i = 0; i < std::max(trials, 1); ++i) {
    const Seconds s = timeFma(threads, iters);
    r.gflops = std::max(r.gflops, flops / s.wall * 1e-9);
    r.gflopsPerCpuSecond = std::max(r.gflopsPerCpuSecond, flops / s.cpu * 1e-9);
  }
  return r;
}

CopyBandwidth measureCopyBandwidth(int threads, size_t bytes, int trials) {
  threads = std::max(threads, 1);
  bytes = std::max<size_t>(bytes / (64 * threads) * 64 * threads, 64);
  std::unique_ptr<char[]> src(new char[bytes]), dst(new char[bytes]);
  const size_t part = bytes / threads;
  // First touch by the thread that copies each part (NUMA placement).
#pragma omp parallel num_threads(threads)
  {
    const size_t off = part * omp_get_thread_num();
    std::memset(src.get() + off, 1, part);
    std::memset(dst.get() + off, 0, part);
  }
  CopyBandwidth r;
  r.bytes = bytes;
  r.threads = threads;
  for (int i = 0; i < std::max(trials, 1) + 1; ++i) {
    const double t0 = now();
#pragma omp parallel num_threads(threads)
    {
      const size_t off = part * omp_get_thread_num();
      std::memcpy(dst.get() + off, src.get() + off, part);
    }
    const double t = now() - t0;
    if (i > 0) // the first copy is a warm-up
      r.gbPerS = std::max(r.gbPerS, 2.0 * double(bytes) / t * 1e-9);
  }
  return r;
}

CpuInfo cpuInfo() {
  CpuInfo info;
  std::ifstream in("/proc/cpuinfo");
  std::string line, physical;
  std::set<std::pair<std::string, std::string>> cores;
  auto value = [](const std::string &l) {
    size_t colon = l.find(':');
    if (colon == std::string::npos)
      return std::string();
    size_t start = l.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? std::string() : l.substr(start);
  };
  while (std::getline(in, line)) {
    if (line.rfind("processor", 0) == 0)
      ++info.logicalCpus;
    else if (line.rfind("model name", 0) == 0 && info.model.empty())
      info.model = value(line);
    else if (line.rfind("physical id", 0) == 0)
      physical = value(line);
    else if (line.rfind("core id", 0) == 0)
      cores.insert({physical, value(line)});
  }
  info.physicalCores = static_cast<int>(cores.size());
  if (info.logicalCpus == 0)
    info.logicalCpus = omp_get_num_procs();
  if (info.model.empty())
    info.model = "unknown CPU";
  return info;
}

std::array<double, 3> loadAverage() {
  std::array<double, 3> avg{-1, -1, -1};
  std::ifstream in("/proc/loadavg");
  in >> avg[0] >> avg[1] >> avg[2];
  if (!in)
    avg = {-1, -1, -1};
  return avg;
}

} // namespace ida::bench

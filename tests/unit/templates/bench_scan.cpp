//===- tests/unit/templates/bench_scan.cpp - forward scan timing ----------===//
//
// Times the forward scan programs on the CPU tile API the way the generated
// CPU wrapper runs them (OpenMP over the grid), reports GFLOP/s with spec
// §5's count, and the naive float64 reference's time for scale. Not a test:
// measures, asserts nothing.
//
//   ida_templates_bench [B T H] [threads]      (default 2 2048 4, all cores)
//
//===----------------------------------------------------------------------===//
#include "tests/unit/templates/TemplateIncludes.h"
#include "runtime/reference/Reference.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <time.h>
#include <vector>

namespace {

struct Bench {
  static constexpr int D = 64, F = 64, Fp = 0, N = 4, P = 64;
  static constexpr int feature = IDA_FEATURE_ELU1, basis = IDA_BASIS_SOFTMAX;
  static constexpr bool normalize = false, has_S0 = false, has_ST = true;
  using in_t = float;
};

/// What the generated CPU wrapper does: every program of the grid, OpenMP.
template <class Prog> void runOmp(const IdaKernelArgs &a, int threads) {
  const int64_t gx = a.grid[0], gy = a.grid[1], gz = a.grid[2];
#pragma omp parallel for collapse(3) schedule(dynamic, 1) num_threads(threads)
  for (int64_t z = 0; z < gz; ++z)
    for (int64_t y = 0; y < gy; ++y)
      for (int64_t x = 0; x < gx; ++x)
        Prog::run(a, x, y, z);
}

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// CPU seconds of the whole process: on a shared machine, wall time measures
/// the neighbours too; flops per CPU-second is the kernel's own rate.
double cpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

struct Timing {
  double wall = 0.0, cpu = 0.0;
};

struct Buffers {
  std::vector<float> q, k, v, dt, g, A_log, dt_bias, y, S_T, ws_state, ws_decay;
};

/// Median wall time and median CPU time over `reps` runs after a warm-up.
template <class Prog> Timing timeIt(IdaKernelArgs a, int threads, int reps) {
  Prog::grid(a, a.grid);
  runOmp<Prog>(a, threads); // warm-up
  std::vector<double> ws, cs;
  for (int r = 0; r < reps; ++r) {
    const double c0 = cpuNow();
    auto t0 = std::chrono::steady_clock::now();
    runOmp<Prog>(a, threads);
    ws.push_back(seconds(t0));
    cs.push_back(cpuNow() - c0);
  }
  std::sort(ws.begin(), ws.end());
  std::sort(cs.begin(), cs.end());
  return {ws[ws.size() / 2], cs[cs.size() / 2]};
}

void report(const char *name, int C, int BV, int threads, Timing t, double flops) {
  std::printf("%s C=%-3d BV=%-2d threads=%d  wall %8.2f ms %7.2f GFLOP/s | cpu %8.2f ms "
              "%7.2f GFLOP/s per core\n",
              name, C, BV, threads, t.wall * 1e3, flops / t.wall * 1e-9, t.cpu * 1e3,
              flops / t.cpu * 1e-9);
}

template <int C, int BV> void benchOnePass(IdaKernelArgs a, int threads, double flops) {
  using Prog = idak::ScanFwdOnePassProgram<Bench, idak::Config<C, BV>>;
  report("onepass", C, BV, threads, timeIt<Prog>(a, threads, 5), flops);
}

template <int C, int BV> void benchTwoPass(IdaKernelArgs a, int threads, double flops, Buffers &b) {
  using Cfg = idak::Config<C, BV>;
  using K1 = idak::ScanChunkStatesProgram<Bench, Cfg>;
  using K2 = idak::ScanStatePassingProgram<Bench, Cfg>;
  using K3 = idak::ScanChunkOutputProgram<Bench, Cfg>;
  b.ws_state.assign(K1::ws_state_elems(a.B, a.T, a.H), 0.0f);
  b.ws_decay.assign(K1::ws_decay_elems(a.B, a.T, a.H), 0.0f);
  a.buffers[idak::ScanFwdBuf::ws_state] = b.ws_state.data();
  a.buffers[idak::ScanFwdBuf::ws_decay] = b.ws_decay.data();
  const Timing t1 = timeIt<K1>(a, threads, 5), t2 = timeIt<K2>(a, threads, 5),
               t3 = timeIt<K3>(a, threads, 5);
  report("twopass", C, BV, threads, {t1.wall + t2.wall + t3.wall, t1.cpu + t2.cpu + t3.cpu}, flops);
}

} // namespace

int main(int argc, char **argv) {
  int64_t B = 2, T = 2048, H = 4;
  if (argc >= 4) {
    B = std::atoll(argv[1]);
    T = std::atoll(argv[2]);
    H = std::atoll(argv[3]);
  }
  const int threads = argc >= 5 ? std::atoi(argv[4]) : omp_get_max_threads();
  constexpr int D = Bench::D, P = Bench::P, N = Bench::N, F = Bench::F;

  std::mt19937_64 gen(1234);
  std::normal_distribution<double> nd(0.0, 0.8);
  ida::ref::Inputs in;
  auto fill = [&](ida::ref::Array &arr, std::vector<int64_t> shape, double scale) {
    arr = ida::ref::Array(std::move(shape));
    for (double &x : arr.data)
      x = scale * nd(gen);
  };
  fill(in.q, {B, T, H, D}, 1.0);
  fill(in.k, {B, T, H, D}, 1.0);
  fill(in.v, {B, T, H, P}, 1.0);
  fill(in.dt, {B, T, H}, 1.0);
  fill(in.g, {B, T, H, N}, 1.0);
  fill(in.A_log, {H, N}, 0.5);
  fill(in.dt_bias, {H}, 0.5);
  auto tof = [](const ida::ref::Array &x) { return std::vector<float>(x.data.begin(), x.data.end()); };
  Buffers b;
  b.q = tof(in.q), b.k = tof(in.k), b.v = tof(in.v), b.dt = tof(in.dt), b.g = tof(in.g);
  b.A_log = tof(in.A_log), b.dt_bias = tof(in.dt_bias);
  b.y.assign(B * T * H * P, 0.0f);
  b.S_T.assign(B * H * N * F * P, 0.0f);

  IdaKernelArgs a{};
  using Buf = idak::ScanFwdBuf;
  a.buffers[Buf::q] = b.q.data();
  a.buffers[Buf::k] = b.k.data();
  a.buffers[Buf::v] = b.v.data();
  a.buffers[Buf::dt] = b.dt.data();
  a.buffers[Buf::g] = b.g.data();
  a.buffers[Buf::A_log] = b.A_log.data();
  a.buffers[Buf::dt_bias] = b.dt_bias.data();
  a.buffers[Buf::y] = b.y.data();
  a.buffers[Buf::S_T] = b.S_T.data();
  a.B = B;
  a.T = T;
  a.H = H;

  std::printf("forward scan B=%ld T=%ld H=%ld D=P=F=%d N=%d elu1 softmax fp32, %d threads\n",
              (long)B, (long)T, (long)H, D, N, threads);
  for (int C : {32, 64}) {
    const double perTok = 2.0 * C * (F + N + P) + 4.0 * N * F * P;
    std::printf("  C=%d: spec §5 count %.0f flop per token-head, %.3f GFLOP total\n", C, perTok,
                perTok * B * T * H * 1e-9);
  }
  auto flopsFor = [&](int C) { return (2.0 * C * (F + N + P) + 4.0 * N * F * P) * B * T * H; };
  for (int th : {1, threads}) {
    benchOnePass<64, 64>(a, th, flopsFor(64));
    benchOnePass<32, 64>(a, th, flopsFor(32));
    benchOnePass<64, 32>(a, th, flopsFor(64));
    benchTwoPass<64, 64>(a, th, flopsFor(64), b);
    if (th == threads)
      break;
  }

  // Backward (both kernels), reported as time and as a multiple of onepass.
  {
    using Cfg = idak::Config<64, 64>;
    using Bwd = idak::ScanBwdProgram<Bench, Cfg>;
    using Red = idak::ScanBwdParamReduceProgram<Bench, Cfg>;
    std::vector<float> dy(b.y.size(), 0.5f), dq(b.q.size()), dk(b.k.size()), dv(b.v.size()),
        ddt(b.dt.size()), dg(b.g.size()), wsS(Bwd::ws_state_elems(B, T, H)),
        wsP(Bwd::ws_param_elems(B, H)), dA(H * N), dbias(H);
    IdaKernelArgs g = a;
    using BB = idak::ScanBwdBuf;
    g.buffers[BB::dy] = dy.data();
    g.buffers[BB::dS_T] = nullptr;
    g.buffers[BB::dq] = dq.data();
    g.buffers[BB::dk] = dk.data();
    g.buffers[BB::dv] = dv.data();
    g.buffers[BB::ddt] = ddt.data();
    g.buffers[BB::dg] = dg.data();
    g.buffers[BB::ws_state] = wsS.data();
    g.buffers[BB::ws_param] = wsP.data();
    IdaKernelArgs r{};
    r.buffers[Red::ws_param] = wsP.data();
    r.buffers[Red::dA_log] = dA.data();
    r.buffers[Red::ddt_bias] = dbias.data();
    r.B = B, r.T = T, r.H = H;
    for (int th : {1, threads}) {
      const Timing t1 = timeIt<Bwd>(g, th, 3), t2 = timeIt<Red>(r, th, 3);
      // No flop count of its own: the forward's count / time says how many
      // "forwards per second" the backward runs at.
      std::printf("backward C=64 threads=%d  wall %8.2f ms | cpu %8.2f ms "
                  "(forward-count rate %.2f GFLOP/s per core)\n",
                  th, (t1.wall + t2.wall) * 1e3, (t1.cpu + t2.cpu) * 1e3,
                  flopsFor(64) / (t1.cpu + t2.cpu) * 1e-9);
      if (th == threads)
        break;
    }
  }

  // Accuracy of the timed kernel and the naive float64 reference's time.
  using Prog = idak::ScanFwdOnePassProgram<Bench, idak::Config<64, 64>>;
  Prog::grid(a, a.grid);
  runOmp<Prog>(a, threads);
  auto t0 = std::chrono::steady_clock::now();
  ida::ref::Config cfg;
  const ida::ref::Outputs r = ida::ref::forward(cfg, in);
  const double tref = seconds(t0);
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < r.y.data.size(); ++i) {
    num += (b.y[i] - r.y.data[i]) * (b.y[i] - r.y.data[i]);
    den += r.y.data[i] * r.y.data[i];
  }
  std::printf("float64 reference (ida::ref::forward, 1 thread): %.1f ms; onepass rel err %.2e\n",
              tref * 1e3, std::sqrt(num / den));
  return 0;
}

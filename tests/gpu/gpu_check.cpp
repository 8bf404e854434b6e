//===- tests/gpu/gpu_check.cpp - the GPU self-check -------------------------===//
//
// Builds every kernel program with the CUDA tile API exactly as codegen will
// (tests/gpu/GpuCheckSource.h), compiles it with the runtime's NVRTC backend
// for the device's arch, launches it with the CudaDevice and compares with
// the float64 reference (ida::ref) on fresh random inputs:
//   presets (GpuCheckSource.h) x {fp32, bf16 inputs} x T in {1, 65, 1000}
//   x {onepass, twopass, backward, softmax attention fwd/bwd} + decode.
// Prints one table row per check (rel. error ||out-ref||/||ref|| over every
// output of the check, the worst output named; median time of a few
// launches, CUDA events; the tile-arena bytes the programs needed, from the
// module's ida_arena_status) and exits 1 if any check fails, 0 if all pass.
// First, one launch with too little shared memory checks the arena's
// overflow path: reported as ArenaOverflowError, the context still usable.
//
// No GPU: prints "SKIP: no CUDA device (...)" and exits 0 when
// IDA_GPU_CHECK_ALLOW_NO_GPU=1, else 3.
//
// Options: --quick (T in {1, 65} only), --log FILE (also write the table and
// details there), --preset NAME (only that preset), --compile-only sm_XY (no
// device: build every source and print ptxas's resources). Tolerances:
// IDA_GPU_CHECK_TOL_F32 (default 1e-5), IDA_GPU_CHECK_TOL_BF16 (1e-2),
// IDA_GPU_CHECK_TOL_PARAM_F32 (1e-5: fp32 dA_log, ddt_bias, dW; a knob of
// its own because each is one sum over B*T tokens).
//
//===----------------------------------------------------------------------===//
#include "tests/gpu/GpuCheckSource.h"

#include "runtime/backend/cuda/CudaDevice.h"
#include "runtime/reference/RandomArrays.h"
#include "runtime/reference/Reference.h"
#include "runtime/support/Error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace ida;
using namespace ida::gpucheck;

namespace {

FILE *gLog = nullptr;

void out(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stdout, fmt, ap);
  va_end(ap);
  std::fflush(stdout);
  if (gLog) {
    va_start(ap, fmt);
    std::vfprintf(gLog, fmt, ap);
    va_end(ap);
    std::fflush(gLog);
  }
}

double envDouble(const char *name, double dflt) {
  const char *v = std::getenv(name);
  return v && *v ? std::atof(v) : dflt;
}

// ---------------------------------------------------------------------------
// Host data.
// ---------------------------------------------------------------------------

uint16_t toBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return 0x7fc0;
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}
float fromBf16(uint16_t b) {
  uint32_t u = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// Rounds an array to what the kernel will see (bf16 or fp32).
void roundTo(ref::Array &a, bool bf16) {
  for (double &x : a.data)
    x = bf16 ? (double)fromBf16(toBf16((float)x)) : (double)(float)x;
}

using Random = ref::RandomArrays;

ref::Config refConfig(const ScanPreset &p) {
  static const ref::FeatureKind kinds[] = {
      ref::FeatureKind::Identity, ref::FeatureKind::Elu1, ref::FeatureKind::Relu,
      ref::FeatureKind::Taylor2,  ref::FeatureKind::Prf,  ref::FeatureKind::Hedgehog};
  static const ref::BasisWeights bases[] = {
      ref::BasisWeights::Softmax, ref::BasisWeights::Sigmoid, ref::BasisWeights::Uniform};
  ref::Config c;
  c.feature = kinds[p.feature];
  c.featureParam = p.Fp;
  c.basisWeights = bases[p.basis];
  c.normalize = p.normalize;
  return c;
}

/// Random inputs, rounded to what the kernel sees (in_t for q..g, fp32 for
/// the rest), so the reference runs on exactly the kernel's inputs.
ref::Inputs makeInputs(const ScanPreset &p, int64_t B, int64_t T, int64_t H, bool bf16,
                       uint64_t seed) {
  Random r(seed);
  const bool shift = p.normalize && (p.feature == 0 || p.feature == 2 || p.feature == 3);
  const double mean = shift ? 1.0 : 0.0, sd = shift ? 0.4 : 0.8;
  ref::Inputs in;
  in.q = r.normal({B, T, H, p.D}, mean, sd);
  in.k = r.normal({B, T, H, p.D}, mean, sd);
  in.v = r.normal({B, T, H, p.P});
  in.dt = r.normal({B, T, H});
  in.g = r.normal({B, T, H, p.N});
  in.A_log = r.uniform({H, p.N}, -1.5, 0.5);
  in.dt_bias = r.uniform({H}, -0.5, 0.5);
  if (p.Fp > 0)
    in.W = r.normal({H, p.Fp, p.D}, 0.0, 1.0 / std::sqrt((double)p.D));
  if (p.hasS0) {
    in.S0 = r.normal({B, H, p.N, p.F, p.P}, 0.0, 0.5);
    if (p.normalize)
      in.Z0 = r.uniform({B, H, p.N, p.F}, 0.5, 1.5);
  }
  for (ref::Array *a : {&in.q, &in.k, &in.v, &in.dt, &in.g})
    roundTo(*a, bf16);
  for (ref::Array *a : {&in.A_log, &in.dt_bias})
    roundTo(*a, false);
  if (in.W)
    roundTo(*in.W, false);
  if (in.S0)
    roundTo(*in.S0, false);
  if (in.Z0)
    roundTo(*in.Z0, false);
  return in;
}

/// ||out - ref|| / ||ref||.
double relErr(const std::vector<float> &o, const ref::Array &r) {
  if (o.size() != r.data.size())
    return INFINITY;
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < o.size(); ++i) {
    const double d = (double)o[i] - r.data[i];
    num += d * d;
    den += r.data[i] * r.data[i];
  }
  if (!std::isfinite(num))
    return INFINITY;
  return std::sqrt(num) / (den > 0.0 ? std::sqrt(den) : 1.0);
}

// ---------------------------------------------------------------------------
// Device data.
// ---------------------------------------------------------------------------

struct Gpu {
  CudaDevice *dev;
  int smem;    // dynamic shared memory per launch (the opt-in maximum)
  int threads;
};

/// A device buffer holding an array as in_t (bf16) or fp32.
struct DBuf {
  DeviceBuffer buf;
  int64_t n = 0;
  bool bf16 = false;
  void *ptr() const { return buf.get(); }
};

DBuf upload(Gpu &g, const ref::Array &a, bool bf16) {
  DBuf d;
  d.n = a.numel();
  d.bf16 = bf16;
  if (bf16) {
    std::vector<uint16_t> h(d.n);
    for (int64_t i = 0; i < d.n; ++i)
      h[i] = toBf16((float)a.data[i]);
    d.buf = g.dev->allocate(d.n * 2);
    g.dev->copyToDevice(d.buf.get(), h.data(), d.n * 2);
  } else {
    std::vector<float> h(a.data.begin(), a.data.end());
    d.buf = g.dev->allocate(d.n * 4);
    g.dev->copyToDevice(d.buf.get(), h.data(), d.n * 4);
  }
  return d;
}

/// An output buffer filled with a sentinel (NaN bytes 0xFF) so unwritten
/// elements show.
DBuf outBuf(Gpu &g, int64_t n, bool bf16) {
  DBuf d;
  d.n = n;
  d.bf16 = bf16;
  const size_t bytes = n * (bf16 ? 2 : 4);
  d.buf = g.dev->allocate(bytes);
  std::vector<unsigned char> h(bytes, 0xFF);
  g.dev->copyToDevice(d.buf.get(), h.data(), bytes);
  return d;
}

DBuf zeroBuf(Gpu &g, int64_t n) {
  DBuf d;
  d.n = n;
  d.buf = g.dev->allocate(n * 4 + 4);
  g.dev->fillZero(d.buf.get(), n * 4 + 4);
  return d;
}

std::vector<float> download(Gpu &g, const DBuf &d) {
  g.dev->synchronize();
  std::vector<float> o(d.n);
  if (d.bf16) {
    std::vector<uint16_t> h(d.n);
    g.dev->copyToHost(h.data(), d.buf.get(), d.n * 2);
    for (int64_t i = 0; i < d.n; ++i)
      o[i] = fromBf16(h[i]);
  } else {
    g.dev->copyToHost(o.data(), d.buf.get(), d.n * 4);
  }
  return o;
}

// ---------------------------------------------------------------------------
// One check = a launch sequence + compared outputs.
// ---------------------------------------------------------------------------

struct Launch {
  int prog;
  IdaKernelArgs args;
  int64_t grid[3];
};

struct Result {
  std::string preset, kernel, dtype, note;
  int64_t T = 0;
  double err = 0.0;
  std::string worst;
  double ms = 0.0;
  unsigned arena = 0;
  bool pass = false;
  bool experimental = false; // not counted in the exit status
};

std::vector<Result> gResults;
bool gExperimental = false; // the checks being run are experimental

class Checker {
public:
  Checker(Gpu &g, CompiledKernel &k, const ScanPreset &p, bool bf16)
      : g_(g), k_(k), p_(p), bf16_(bf16), ck_(dynamic_cast<CudaCompiledKernel *>(&k)) {}

  /// Runs `seq` once, then `reps` timed times. `arena` = the programs' arena
  /// peak from the module's status (or, when a block ran out of arena, what
  /// it needed: record() then fails the check).
  double run(std::vector<Launch> seq, unsigned &arena, int reps = 3) {
    if (ck_)
      ck_->clearArenaStatus();
    auto once = [&] {
      for (const Launch &l : seq) {
        LaunchGeometry geo;
        for (int i = 0; i < 3; ++i)
          geo.grid[i] = l.grid[i];
        geo.threads = g_.threads;
        geo.smem = g_.smem;
        k_.launch(progIndex(l.prog), l.args, geo);
      }
    };
    once();
    g_.dev->synchronize();
    const IdaArenaStatus st = ck_ ? ck_->readArenaStatus() : IdaArenaStatus{};
    arena = std::max(st.peak, unsigned(st.overflow >> 32));
    std::vector<float> t;
    for (int r = 0; r < reps; ++r)
      t.push_back(g_.dev->timeMs(once));
    std::sort(t.begin(), t.end());
    return t.empty() ? 0.0 : t[t.size() / 2];
  }

  /// Index of a program among the source's symbols.
  size_t progIndex(int prog) const {
    size_t idx = 0;
    for (int i = 0; i < prog; ++i)
      idx += progIncluded(p_, i) ? 1 : 0;
    return idx;
  }

private:
  Gpu &g_;
  CompiledKernel &k_;
  const ScanPreset &p_;
  bool bf16_;
  CudaCompiledKernel *ck_;
};

/// fp32 tolerance of the parameter gradients dA_log, ddt_bias, dW: each is
/// one sum over B*T tokens. The scan backward sums dloga over the pairs whose
/// decay spans each step (no cancelling terms), which brought them from
/// ~4e-5 to ~3e-6 on the CPU; 1e-5 like every other fp32 output.
double gTolParamF32 = 1e-5;

bool isParamGrad(const std::string &name) {
  return name == "dA_log" || name == "ddt_bias" || name == "dW";
}

void record(Result r, double tol, const std::vector<std::pair<std::string, double>> &errs,
            int smem) {
  r.err = 0.0;
  bool ok = true;
  for (const auto &[name, e] : errs) {
    const double ee = std::isnan(e) ? INFINITY : e;
    const double t =
        r.dtype == "fp32" && isParamGrad(name) ? std::max(tol, gTolParamF32) : tol;
    ok = ok && ee <= t;
    if (ee >= r.err) {
      r.err = ee;
      r.worst = name;
    }
  }
  r.pass = ok && r.arena <= (unsigned)smem;
  if (r.arena > (unsigned)smem)
    r.note = "tile arena needs " + std::to_string(r.arena) + " B > " + std::to_string(smem);
  std::string detail;
  for (const auto &[name, e] : errs) {
    char b[64];
    std::snprintf(b, sizeof b, "%s=%.2e ", name.c_str(), e);
    detail += b;
  }
  if (gLog)
    std::fprintf(gLog, "  detail %s %s %s T=%ld: %s\n", r.preset.c_str(), r.kernel.c_str(),
                 r.dtype.c_str(), (long)r.T, detail.c_str());
  r.experimental = gExperimental;
  out("%-24s %-9s %-5s %5ld  %9.2e %-9s %9.3f %8.1f  %s%s%s%s\n", r.preset.c_str(),
      r.kernel.c_str(), r.dtype.c_str(), (long)r.T, r.err, r.worst.c_str(), r.ms,
      r.arena / 1024.0, r.pass ? "PASS" : "FAIL", r.experimental ? " (experimental)" : "",
      r.note.empty() ? "" : "  ", r.note.c_str());
  gResults.push_back(r);
}

struct ScanBufs {
  DBuf q, k, v, dt, g, A_log, dt_bias, W, S0, Z0;
};

ScanBufs uploadScan(Gpu &g, const ScanPreset &p, const ref::Inputs &in, bool bf16) {
  ScanBufs b;
  b.q = upload(g, in.q, bf16);
  b.k = upload(g, in.k, bf16);
  b.v = upload(g, in.v, bf16);
  b.dt = upload(g, in.dt, bf16);
  b.g = upload(g, in.g, bf16);
  b.A_log = upload(g, in.A_log, false);
  b.dt_bias = upload(g, in.dt_bias, false);
  if (in.W)
    b.W = upload(g, *in.W, false);
  if (in.S0)
    b.S0 = upload(g, *in.S0, false);
  if (in.Z0)
    b.Z0 = upload(g, *in.Z0, false);
  (void)p;
  return b;
}

void setScanInputs(IdaKernelArgs &a, const ScanPreset &p, const ScanBufs &b, int64_t B,
                   int64_t T, int64_t H) {
  std::memset(&a, 0, sizeof a);
  a.buffers[0] = b.q.ptr();
  a.buffers[1] = b.k.ptr();
  a.buffers[2] = b.v.ptr();
  a.buffers[3] = b.dt.ptr();
  a.buffers[4] = p.basis == 2 ? nullptr : b.g.ptr(); // uniform never reads g
  a.buffers[5] = b.A_log.ptr();
  a.buffers[6] = b.dt_bias.ptr();
  a.buffers[7] = b.W.ptr();
  a.buffers[8] = b.S0.ptr();
  a.buffers[9] = b.Z0.ptr();
  a.B = B;
  a.T = T;
  a.H = H;
}

// Sizes from docs/templates.md.
struct Sizes {
  int64_t NC, NV, BV, VW, NF;
};
Sizes sizes(const ScanPreset &p, int64_t T, int C) {
  Sizes s;
  s.NC = (T + C - 1) / C;
  s.BV = std::min(p.BV, p.P);
  s.NV = (p.P + s.BV - 1) / s.BV;
  s.VW = s.BV + (p.normalize ? 1 : 0);
  s.NF = (int64_t)p.N * p.F;
  return s;
}

void checkForward(Gpu &g, CompiledKernel &k, const ScanPreset &p, bool bf16, int64_t T,
                  double tol, uint64_t seed) {
  const int64_t B = 2, H = 2;
  ref::Inputs in = makeInputs(p, B, T, H, bf16, seed);
  const ref::Config cfg = refConfig(p);
  const ref::Outputs r = ref::forward(cfg, in);
  ScanBufs b = uploadScan(g, p, in, bf16);
  const Sizes s = sizes(p, T, p.C);
  for (int strategy = 0; strategy < 2; ++strategy) {
    DBuf y = outBuf(g, B * T * H * p.P, bf16);
    DBuf ST = outBuf(g, B * H * s.NF * p.P, false);
    DBuf ZT = outBuf(g, p.normalize ? B * H * s.NF : 1, false);
    DBuf wsS = zeroBuf(g, B * H * s.NC * s.NV * s.NF * s.VW);
    DBuf wsD = zeroBuf(g, B * H * s.NC * p.N);
    IdaKernelArgs a;
    setScanInputs(a, p, b, B, T, H);
    a.buffers[10] = y.ptr();
    a.buffers[11] = ST.ptr();
    a.buffers[12] = p.normalize ? ZT.ptr() : nullptr;
    a.buffers[13] = wsS.ptr();
    a.buffers[14] = wsD.ptr();
    std::vector<Launch> seq;
    if (strategy == 0) {
      seq.push_back({kOnePass, a, {s.NV, H, B}});
    } else {
      seq.push_back({kChunkStates, a, {s.NC * s.NV, H, B}});
      seq.push_back({kStatePassing, a, {s.NV, H, B}});
      seq.push_back({kChunkOutput, a, {s.NC * s.NV, H, B}});
    }
    Checker c(g, k, p, bf16);
    Result res;
    res.preset = p.name;
    res.kernel = strategy == 0 ? "onepass" : "twopass";
    res.dtype = bf16 ? "bf16" : "fp32";
    res.T = T;
    res.ms = c.run(seq, res.arena);
    std::vector<std::pair<std::string, double>> errs = {{"y", relErr(download(g, y), r.y)},
                                                        {"S_T", relErr(download(g, ST), r.S_T)}};
    if (p.normalize)
      errs.push_back({"Z_T", relErr(download(g, ZT), r.Z_T)});
    record(res, tol, errs, g.smem);
  }
}

void checkDecode(Gpu &g, CompiledKernel &k, const ScanPreset &p, bool bf16, double tol,
                 uint64_t seed) {
  const int64_t B = 2, H = 3;
  ref::Inputs in = makeInputs(p, B, 1, H, bf16, seed);
  const ref::Config cfg = refConfig(p);
  // The carried state: S0/Z0 of the inputs (zero when the preset has none:
  // has_S0 = false programs never read S_in).
  ref::Array S = in.S0 ? *in.S0 : ref::Array({B, H, p.N, p.F, p.P});
  ref::Array Z = in.Z0 ? *in.Z0 : ref::Array({B, H, p.N, p.F});
  ScanBufs b = uploadScan(g, p, in, bf16);
  ref::Inputs step = in;
  step.S0.reset();
  step.Z0.reset();
  const ref::Array yr = ref::decodeStep(cfg, step, S, p.normalize ? &Z : nullptr);
  const Sizes s = sizes(p, 1, 1);
  DBuf y = outBuf(g, B * H * p.P, bf16);
  DBuf So = outBuf(g, B * H * s.NF * p.P, false);
  DBuf Zo = outBuf(g, p.normalize ? B * H * s.NF : 1, false);
  IdaKernelArgs a;
  setScanInputs(a, p, b, B, 1, H);
  a.buffers[10] = y.ptr();
  a.buffers[11] = So.ptr();
  a.buffers[12] = p.normalize ? Zo.ptr() : nullptr;
  Checker c(g, k, p, bf16);
  Result res;
  res.preset = p.name;
  res.kernel = "decode";
  res.dtype = bf16 ? "bf16" : "fp32";
  res.T = 1;
  res.ms = c.run({{kDecode, a, {s.NV, H, B}}}, res.arena);
  std::vector<std::pair<std::string, double>> errs = {{"y", relErr(download(g, y), yr)},
                                                      {"S_out", relErr(download(g, So), S)}};
  if (p.normalize)
    errs.push_back({"Z_out", relErr(download(g, Zo), Z)});
  record(res, tol, errs, g.smem);
}

void checkBackward(Gpu &g, CompiledKernel &k, const ScanPreset &p, bool bf16, int64_t T,
                   double tol, uint64_t seed) {
  const int64_t B = 2, H = 2;
  ref::Inputs in = makeInputs(p, B, T, H, bf16, seed);
  Random r(seed + 77);
  ref::Cotangents ct;
  ct.dy = r.normal({B, T, H, p.P});
  roundTo(ct.dy, bf16);
  ct.dS_T = r.normal({B, H, p.N, p.F, p.P}, 0.0, 0.3);
  roundTo(*ct.dS_T, false);
  if (p.normalize) {
    ct.dZ_T = r.normal({B, H, p.N, p.F}, 0.0, 0.3);
    roundTo(*ct.dZ_T, false);
  }
  const ref::Config cfg = refConfig(p);
  const ref::Gradients gr = ref::backward(cfg, in, ct);
  ScanBufs b = uploadScan(g, p, in, bf16);
  const Sizes s = sizes(p, T, p.C);
  const int64_t pElems = p.N + 1 + (int64_t)p.Fp * p.D;
  DBuf dy = upload(g, ct.dy, bf16);
  DBuf dST = upload(g, *ct.dS_T, false);
  DBuf dZT;
  if (ct.dZ_T)
    dZT = upload(g, *ct.dZ_T, false);
  DBuf dq = outBuf(g, in.q.numel(), bf16), dk = outBuf(g, in.k.numel(), bf16),
       dv = outBuf(g, in.v.numel(), bf16), ddt = outBuf(g, in.dt.numel(), bf16),
       dg = outBuf(g, in.g.numel(), bf16);
  DBuf dS0 = outBuf(g, B * H * s.NF * p.P, false);
  DBuf dZ0 = outBuf(g, p.normalize ? B * H * s.NF : 1, false);
  // Entry-state slices per chunk and value tile, then each tile's dS.
  DBuf wsS = zeroBuf(g, B * H * (s.NC + 1) * s.NV * s.NF * s.VW);
  DBuf wsP = zeroBuf(g, B * H * pElems);
  DBuf dA = outBuf(g, H * p.N, false), dbias = outBuf(g, H, false);
  DBuf dW = outBuf(g, p.Fp > 0 ? H * p.Fp * p.D : 1, false);
  IdaKernelArgs a;
  setScanInputs(a, p, b, B, T, H);
  a.buffers[10] = dy.ptr();
  a.buffers[11] = dST.ptr();
  a.buffers[12] = dZT.ptr();
  a.buffers[13] = dq.ptr();
  a.buffers[14] = dk.ptr();
  a.buffers[15] = dv.ptr();
  a.buffers[16] = ddt.ptr();
  a.buffers[17] = p.basis == 2 ? nullptr : dg.ptr();
  a.buffers[18] = p.hasS0 ? dS0.ptr() : nullptr;
  a.buffers[19] = p.hasS0 && p.normalize ? dZ0.ptr() : nullptr;
  a.buffers[20] = wsS.ptr();
  a.buffers[21] = wsP.ptr();
  IdaKernelArgs ra;
  std::memset(&ra, 0, sizeof ra);
  ra.buffers[0] = wsP.ptr();
  ra.buffers[1] = dA.ptr();
  ra.buffers[2] = dbias.ptr();
  ra.buffers[3] = p.Fp > 0 ? dW.ptr() : nullptr;
  ra.B = B;
  ra.T = T;
  ra.H = H;
  Checker c(g, k, p, bf16);
  Result res;
  res.preset = p.name;
  res.kernel = "backward";
  res.dtype = bf16 ? "bf16" : "fp32";
  res.T = T;
  res.ms = c.run({{kBwd, a, {1, H, B}}, {kBwdReduce, ra, {H, 1, 1}}}, res.arena);
  std::vector<std::pair<std::string, double>> errs = {
      {"dq", relErr(download(g, dq), gr.dq)},
      {"dk", relErr(download(g, dk), gr.dk)},
      {"dv", relErr(download(g, dv), gr.dv)},
      {"ddt", relErr(download(g, ddt), gr.ddt)},
      {"dA_log", relErr(download(g, dA), gr.dA_log)},
      {"ddt_bias", relErr(download(g, dbias), gr.ddt_bias)}};
  if (p.basis != 2)
    errs.push_back({"dg", relErr(download(g, dg), gr.dg)});
  if (p.Fp > 0)
    errs.push_back({"dW", relErr(download(g, dW), gr.dW)});
  if (p.hasS0) {
    errs.push_back({"dS0", relErr(download(g, dS0), gr.dS0)});
    if (p.normalize)
      errs.push_back({"dZ0", relErr(download(g, dZ0), gr.dZ0)});
  }
  record(res, tol, errs, g.smem);
}

void checkAttention(Gpu &g, CompiledKernel &k, const ScanPreset &p, bool bf16, int64_t T,
                    double tol, uint64_t seed) {
  const int64_t B = 2, H = 2, D = p.attnD;
  Random r(seed);
  ref::Array q = r.normal({B, T, H, D}), kk = r.normal({B, T, H, D}),
             v = r.normal({B, T, H, D}), dy = r.normal({B, T, H, D});
  for (ref::Array *a : {&q, &kk, &v, &dy})
    roundTo(*a, bf16);
  const ref::Array yr = ref::softmaxAttention(q, kk, v, p.attnWindow);
  const ref::SoftmaxAttentionGrads gr = ref::softmaxAttentionBackward(q, kk, v, dy, p.attnWindow);
  DBuf dq_ = upload(g, q, bf16), dk_ = upload(g, kk, bf16), dv_ = upload(g, v, bf16),
       ddy = upload(g, dy, bf16);
  DBuf y = outBuf(g, B * T * H * D, bf16), lse = outBuf(g, B * H * T, false);
  DBuf gq = outBuf(g, B * T * H * D, bf16), gk = outBuf(g, B * T * H * D, bf16),
       gv = outBuf(g, B * T * H * D, bf16);
  IdaKernelArgs a;
  std::memset(&a, 0, sizeof a);
  a.buffers[0] = dq_.ptr();
  a.buffers[1] = dk_.ptr();
  a.buffers[2] = dv_.ptr();
  a.buffers[3] = y.ptr();
  a.buffers[4] = lse.ptr();
  a.buffers[5] = ddy.ptr();
  a.buffers[6] = gq.ptr();
  a.buffers[7] = gk.ptr();
  a.buffers[8] = gv.ptr();
  a.B = B;
  a.T = T;
  a.H = H;
  const int64_t nq = (T + p.BM - 1) / p.BM, nk = (T + p.BN - 1) / p.BN;
  {
    Checker c(g, k, p, bf16);
    Result res;
    res.preset = p.name;
    res.kernel = "attn_fwd";
    res.dtype = bf16 ? "bf16" : "fp32";
    res.T = T;
    res.ms = c.run({{kAttnFwd, a, {nq, H, B}}}, res.arena);
    record(res, tol, {{"y", relErr(download(g, y), yr)}}, g.smem);
  }
  // The backward consumes y and lse: with bf16 inputs y is the bf16 forward
  // output, which the reference does not see; its effect (through
  // Dl = rowsum(dO o O)) stays well inside the bf16 tolerance.
  {
    Checker c(g, k, p, bf16);
    Result res;
    res.preset = p.name;
    res.kernel = "attn_bwd";
    res.dtype = bf16 ? "bf16" : "fp32";
    res.T = T;
    res.ms = c.run({{kAttnBwdDKDV, a, {nk, H, B}}, {kAttnBwdDQ, a, {nq, H, B}}}, res.arena);
    record(res, tol,
           {{"dq", relErr(download(g, gq), gr.dq)},
            {"dk", relErr(download(g, gk), gr.dk)},
            {"dv", relErr(download(g, gv), gr.dv)}},
           g.smem);
  }
}

/// The tile arena's overflow path on the GPU: the onepass program launched
/// with 8 KB of dynamic shared memory (every preset needs far more) must
/// exit every block and report an ArenaOverflowError with the bytes needed
/// and given, and leave the context usable (the checks after this one run
/// on the same context; a lost context fails them all).
void checkArenaOverflow(Gpu &g, CompiledKernel &k, const ScanPreset &p) {
  const int64_t B = 2, T = 65, H = 2;
  const int small = 8 * 1024;
  ref::Inputs in = makeInputs(p, B, T, H, false, 4242);
  ScanBufs b = uploadScan(g, p, in, false);
  const Sizes s = sizes(p, T, p.C);
  DBuf y = outBuf(g, B * T * H * p.P, false);
  DBuf ST = outBuf(g, B * H * s.NF * p.P, false);
  DBuf ZT = outBuf(g, p.normalize ? B * H * s.NF : 1, false);
  IdaKernelArgs a;
  setScanInputs(a, p, b, B, T, H);
  a.buffers[10] = y.ptr();
  a.buffers[11] = ST.ptr();
  a.buffers[12] = p.normalize ? ZT.ptr() : nullptr;
  LaunchGeometry geo;
  geo.grid[0] = s.NV;
  geo.grid[1] = H;
  geo.grid[2] = B;
  for (int i = 0; i < 3; ++i)
    a.grid[i] = geo.grid[i];
  geo.threads = g.threads;
  geo.smem = small;
  Result res;
  res.preset = p.name;
  res.kernel = "overflow";
  res.dtype = "fp32";
  res.T = T;
  k.checkLaunches(); // nothing pending from earlier launches
  Checker c(g, k, p, false);
  k.launch(c.progIndex(kOnePass), a, geo);
  g.dev->synchronize(); // throws if the blocks trapped (the context is lost)
  try {
    k.checkLaunches();
    res.note = "no overflow reported with " + std::to_string(small) + " B";
  } catch (const ArenaOverflowError &e) {
    res.arena = unsigned(e.needBytes());
    const bool named = std::string(e.what()).find(progSymbol(kOnePass)) != std::string::npos;
    res.pass = e.availableBytes() == small && e.needBytes() > small && named;
    res.note = "reported: needs >= " + std::to_string(e.needBytes()) + " B, given " +
               std::to_string(e.availableBytes()) + (named ? "" : " (program not named)");
    if (gLog)
      std::fprintf(gLog, "  overflow message: %s\n", e.what());
  }
  // The context still works: a copy after the exited launch.
  std::vector<float> back = download(g, y);
  (void)back;
  res.note += res.pass ? "; context usable" : "";
  out("%-24s %-9s %-5s %5ld  %9s %-9s %9s %8.1f  %s  %s\n", res.preset.c_str(),
      res.kernel.c_str(), res.dtype.c_str(), (long)res.T, "-", "-", "-", res.arena / 1024.0,
      res.pass ? "PASS" : "FAIL", res.note.c_str());
  gResults.push_back(res);
}

} // namespace

int main(int argc, char **argv) {
  bool quick = false;
  std::string logPath, only, compileOnly;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick")
      quick = true;
    else if (arg == "--log" && i + 1 < argc)
      logPath = argv[++i];
    else if (arg == "--preset" && i + 1 < argc)
      only = argv[++i];
    else if (arg == "--compile-only" && i + 1 < argc)
      compileOnly = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: %s [--quick] [--log FILE] [--preset NAME] [--compile-only sm_XY]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!logPath.empty())
    gLog = std::fopen(logPath.c_str(), "w");
  const bool allowNoGpu = [] {
    const char *v = std::getenv("IDA_GPU_CHECK_ALLOW_NO_GPU");
    return v && std::string(v) == "1";
  }();

  if (!compileOnly.empty()) {
    // No device needed: generate and compile every source for one arch.
    NvrtcCompiler compiler;
    bool ok = true;
    for (const ScanPreset &p : gpuCheckPresets()) {
      if (!only.empty() && p.name != only)
        continue;
      for (bool bf16 : {false, true}) {
        if (p.bf16Only && !bf16)
          continue;
        KernelBuildRequest req;
        req.kernelName = "gpu_check/" + p.name + (bf16 ? "/bf16" : "/fp32");
        req.source = generateSource(p, bf16 ? "__nv_bfloat16" : "float");
        req.config = presetConfig(p);
        req.symbols = sourceSymbols(p);
        try {
          auto bin = compiler.build(req, compileOnly);
          out("%s (%s)\n%s", req.kernelName.c_str(), compileOnly.c_str(),
              formatResources(bin->result.resources, req.symbols).c_str());
        } catch (const std::exception &e) {
          out("FAIL compile %s: %s\n", req.kernelName.c_str(), e.what());
          ok = false;
        }
      }
    }
    return ok ? 0 : 1;
  }

  std::unique_ptr<CudaDevice> dev;
  try {
    dev = std::make_unique<CudaDevice>();
  } catch (const std::exception &e) {
    out("SKIP: no CUDA device (%s)\n", e.what());
    if (allowNoGpu) {
      out("IDA_GPU_CHECK_ALLOW_NO_GPU=1: exiting 0 without checking anything\n");
      return 0;
    }
    out("FAIL: the GPU check needs a CUDA device (set IDA_GPU_CHECK_ALLOW_NO_GPU=1 to "
        "accept a dry run)\n");
    return 3;
  }
  const double tolF32 = envDouble("IDA_GPU_CHECK_TOL_F32", 1e-5);
  const double tolBf16 = envDouble("IDA_GPU_CHECK_TOL_BF16", 1e-2);
  gTolParamF32 = envDouble("IDA_GPU_CHECK_TOL_PARAM_F32", 1e-5);
  const double tolMma = envDouble("IDA_GPU_CHECK_TOL_MMA", 3e-2);
  out("tolerances: fp32 %.0e (parameter gradients dA_log/ddt_bias/dW %.0e), bf16 %.0e\n",
      tolF32, std::max(tolF32, gTolParamF32), tolBf16);
  Gpu g;
  g.dev = dev.get();
  g.smem = dev->attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
  out("device: %s, arch %s, driver %d, %d B dynamic shared memory per block (opt-in)\n",
      dev->name().c_str(), dev->arch().c_str(), dev->driverVersion(), g.smem);

  std::vector<ScanPreset> presets;
  for (const ScanPreset &p : gpuCheckPresets())
    if (only.empty() || p.name == only)
      presets.push_back(p);
  if (presets.empty()) {
    out("FAIL: no preset named '%s'\n", only.c_str());
    return 2;
  }

  // Build every (preset, dtype) source in parallel (NVRTC + ptxas take tens
  // of seconds each); the device then loads them from the compiler's cache.
  struct Build {
    const ScanPreset *p;
    bool bf16;
    KernelBuildRequest req;
    std::string error;
    std::shared_ptr<CompiledKernel> kernel;
    double seconds = 0.0;
  };
  std::vector<Build> builds;
  for (const ScanPreset &p : presets)
    for (bool bf16 : {false, true}) {
      if (p.bf16Only && !bf16)
        continue;
      Build b;
      b.p = &p;
      b.bf16 = bf16;
      b.req.kernelName = "gpu_check/" + p.name + (bf16 ? "/bf16" : "/fp32");
      b.req.source = generateSource(p, bf16 ? "__nv_bfloat16" : "float");
      b.req.sourcePath = "<generated " + b.req.kernelName + ">";
      b.req.config = presetConfig(p);
      b.req.symbols = sourceSymbols(p);
      builds.push_back(std::move(b));
    }
  const auto t0 = std::chrono::steady_clock::now();
  {
    std::vector<std::thread> threads;
    for (Build &b : builds)
      threads.emplace_back([&b, &dev] {
        const auto s = std::chrono::steady_clock::now();
        try {
          dev->compiler().build(b.req, dev->arch());
        } catch (const std::exception &e) {
          b.error = e.what();
        }
        b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count();
      });
    for (std::thread &t : threads)
      t.join();
  }
  out("compiled %zu sources in %.1f s\n", builds.size(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  bool compileFailed = false;
  for (Build &b : builds) {
    if (b.error.empty()) {
      try {
        b.kernel = dev->compile(b.req);
      } catch (const std::exception &e) {
        b.error = e.what();
      }
    }
    if (!b.error.empty()) {
      compileFailed = compileFailed || !b.p->experimental;
      out("FAIL compile %s: %s\n", b.req.kernelName.c_str(), b.error.c_str());
      continue;
    }
    auto *ck = dynamic_cast<CudaCompiledKernel *>(b.kernel.get());
    out("built %-34s %5.1f s\n", b.req.kernelName.c_str(), b.seconds);
    if (ck)
      for (size_t i = 0; i < ck->numPrograms(); ++i) {
        const KernelResources r = ck->resources(i);
        out("    %-24s regs %3d  spill st/ld %lld/%lld  stack %lld\n", ck->symbol(i).c_str(),
            r.registers, (long long)r.spillStores, (long long)r.spillLoads,
            (long long)r.stackFrame);
      }
  }

  g.threads = 32 * presets[0].numWarps;
  const std::vector<int64_t> Ts = quick ? std::vector<int64_t>{1, 65}
                                        : std::vector<int64_t>{1, 65, 1000};
  out("\n%-24s %-9s %-5s %5s  %9s %-9s %9s %8s  %s\n", "preset", "kernel", "dtype", "T",
      "rel.err", "worst", "ms", "arenaKB", "result");
  uint64_t seed = 1000;
  bool crashed = false, overflowChecked = false;
  for (Build &b : builds) {
    if (!b.kernel)
      continue;
    const ScanPreset &p = *b.p;
    const double tol = p.experimental ? tolMma : b.bf16 ? tolBf16 : tolF32;
    g.threads = 32 * p.numWarps;
    gExperimental = p.experimental;
    try {
      if (!overflowChecked && !b.bf16 && !p.experimental) {
        overflowChecked = true;
        checkArenaOverflow(g, *b.kernel, p);
      }
      for (int64_t T : Ts) {
        checkForward(g, *b.kernel, p, b.bf16, T, tol, ++seed);
        if (p.backward)
          checkBackward(g, *b.kernel, p, b.bf16, T, tol, ++seed);
        if (p.attention)
          checkAttention(g, *b.kernel, p, b.bf16, T, tol, ++seed);
      }
      checkDecode(g, *b.kernel, p, b.bf16, tol, ++seed);
    } catch (const std::exception &e) {
      out("FAIL %s: %s\n", b.req.kernelName.c_str(), e.what());
      crashed = crashed || !p.experimental;
      // A launch failure poisons the context; later checks cannot run.
      break;
    }
  }

  int failed = 0, expFailed = 0;
  for (const Result &r : gResults)
    (r.experimental ? expFailed : failed) += r.pass ? 0 : 1;
  if (expFailed)
    out("\n%d experimental checks failed (not counted)\n", expFailed);
  out("\n%zu checks, %d failed%s%s\n", gResults.size(), failed,
      compileFailed ? ", compile errors" : "", crashed ? ", aborted after a CUDA error" : "");
  const bool ok = failed == 0 && !compileFailed && !crashed && !gResults.empty();
  out("%s\n", ok ? "GPU CHECK PASSED" : "GPU CHECK FAILED");
  if (gLog)
    std::fclose(gLog);
  return ok ? 0 : 1;
}

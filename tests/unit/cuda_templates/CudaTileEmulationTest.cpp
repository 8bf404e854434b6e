//===- tests/unit/cuda_templates/CudaTileEmulationTest.cpp ----------------===//
//
// The CUDA tile API (templates/tile/cuda/tile_cuda.cuh) run on the CPU
// through CudaEmu.h (OS threads as CUDA threads, real barriers and warp
// shuffles) with the unchanged kernel programs, against the float64
// reference: catches indexing, padding, arena and synchronisation bugs of the
// CUDA implementation without a GPU. Small shapes (the emulation is slow),
// 2 warps per block, fp32 inputs.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/cuda_templates/CudaEmu.h"

#define IDA_CFG_NUM_WARPS 2
#ifndef IDA_EMU_SUITE // CudaTileEmulationMmaTest.cpp reuses this file with mma on
#define IDA_EMU_SUITE CudaTileEmulation
#define IDA_EMU_TOL 1e-5
#endif
#include "templates/common/ida_abi.h"
#include "templates/tile/cuda/tile_cuda.cuh"
#include "templates/kernels/scan_params.h"
#include "templates/kernels/scan_prologue.h"
#include "templates/kernels/scan_chunk.h"
#include "templates/kernels/scan_fwd_onepass.h"
#include "templates/kernels/scan_fwd_twopass.h"
#include "templates/kernels/scan_decode.h"
#include "templates/kernels/scan_prologue_bwd.h"
#include "templates/kernels/scan_bwd.h"
#include "templates/kernels/softmax_attn_fwd.h"
#include "templates/kernels/softmax_attn_bwd.h"
#include "tests/unit/cuda_templates/CudaEmuRun.h"

#include "runtime/reference/Reference.h"

#include <gtest/gtest.h>

#include <random>

namespace {

namespace ref = ida::ref;
constexpr int kThreads = 32 * IDA_CFG_NUM_WARPS;

template <int D_, int F_, int Fp_, int N_, int P_, int feature_, int basis_, bool normalize_>
struct Params {
  static constexpr int D = D_, F = F_, Fp = Fp_, N = N_, P = P_;
  static constexpr int feature = feature_, basis = basis_;
  static constexpr bool normalize = normalize_, has_S0 = true, has_ST = true;
  using in_t = float;
};

template <class P> ref::Config refConfig() {
  static const ref::FeatureKind kinds[] = {
      ref::FeatureKind::Identity, ref::FeatureKind::Elu1, ref::FeatureKind::Relu,
      ref::FeatureKind::Taylor2,  ref::FeatureKind::Prf,  ref::FeatureKind::Hedgehog};
  static const ref::BasisWeights bases[] = {
      ref::BasisWeights::Softmax, ref::BasisWeights::Sigmoid, ref::BasisWeights::Uniform};
  ref::Config c;
  c.feature = kinds[P::feature];
  c.featureParam = P::Fp;
  c.basisWeights = bases[P::basis];
  c.normalize = P::normalize;
  return c;
}

ref::Array normal(std::mt19937_64 &g, std::vector<int64_t> shape, double mean, double sd) {
  ref::Array a(std::move(shape));
  std::normal_distribution<double> d(mean, sd);
  for (double &x : a.data)
    x = (float)d(g);
  return a;
}
ref::Array uniform(std::mt19937_64 &g, std::vector<int64_t> shape, double lo, double hi) {
  ref::Array a(std::move(shape));
  std::uniform_real_distribution<double> d(lo, hi);
  for (double &x : a.data)
    x = (float)d(g);
  return a;
}

template <class P> ref::Inputs inputs(int64_t B, int64_t T, int64_t H, uint64_t seed) {
  std::mt19937_64 g(seed);
  ref::Inputs in;
  const double sd = 0.8;
  in.q = normal(g, {B, T, H, P::D}, 0.0, sd);
  in.k = normal(g, {B, T, H, P::D}, 0.0, sd);
  in.v = normal(g, {B, T, H, P::P}, 0.0, 1.0);
  in.dt = normal(g, {B, T, H}, 0.0, 1.0);
  in.g = normal(g, {B, T, H, P::N}, 0.0, 1.0);
  in.A_log = uniform(g, {H, P::N}, -1.5, 0.5);
  in.dt_bias = uniform(g, {H}, -0.5, 0.5);
  if (P::Fp > 0)
    in.W = normal(g, {H, P::Fp, P::D}, 0.0, 1.0 / std::sqrt((double)P::D));
  in.S0 = normal(g, {B, H, P::N, P::F, P::P}, 0.0, 0.5);
  if (P::normalize)
    in.Z0 = uniform(g, {B, H, P::N, P::F}, 0.5, 1.5);
  return in;
}

std::vector<float> f32(const ref::Array &a) { return {a.data.begin(), a.data.end()}; }
void *ptr(std::vector<float> &v) { return v.empty() ? nullptr : v.data(); }

double relErr(const std::vector<float> &o, const ref::Array &r) {
  double num = 0, den = 0;
  for (size_t i = 0; i < o.size(); ++i) {
    const double d = o[i] - r.data[i];
    num += d * d;
    den += r.data[i] * r.data[i];
  }
  return std::isfinite(num) ? std::sqrt(num) / std::sqrt(den > 0 ? den : 1.0) : INFINITY;
}

void expectClose(const char *what, double e, double tol = IDA_EMU_TOL) {
  std::printf("    %-8s rel err %.3e\n", what, e);
  EXPECT_LE(e, tol) << what;
}

struct Bufs {
  std::vector<float> q, k, v, dt, g, A_log, dt_bias, W, S0, Z0;
  explicit Bufs(const ref::Inputs &in)
      : q(f32(in.q)), k(f32(in.k)), v(f32(in.v)), dt(f32(in.dt)), g(f32(in.g)),
        A_log(f32(in.A_log)), dt_bias(f32(in.dt_bias)) {
    if (in.W) W = f32(*in.W);
    if (in.S0) S0 = f32(*in.S0);
    if (in.Z0) Z0 = f32(*in.Z0);
  }
  void set(IdaKernelArgs &a, bool uniform) {
    a.buffers[0] = q.data();
    a.buffers[1] = k.data();
    a.buffers[2] = v.data();
    a.buffers[3] = dt.data();
    a.buffers[4] = uniform ? nullptr : g.data();
    a.buffers[5] = A_log.data();
    a.buffers[6] = dt_bias.data();
    a.buffers[7] = ptr(W);
    a.buffers[8] = ptr(S0);
    a.buffers[9] = ptr(Z0);
  }
};

template <class P, class Cfg> void checkForward(int64_t B, int64_t T, int64_t H, uint64_t seed) {
  using Sh = idak::ScanShape<P, Cfg>;
  ref::Inputs in = inputs<P>(B, T, H, seed);
  const ref::Outputs r = ref::forward(refConfig<P>(), in);
  for (int strategy = 0; strategy < 2; ++strategy) {
    Bufs b(in);
    std::vector<float> y(B * T * H * P::P, NAN), ST(B * H * Sh::NF * P::P, NAN),
        ZT(P::normalize ? B * H * Sh::NF : 0, NAN);
    IdaKernelArgs a{};
    b.set(a, P::basis == IDA_BASIS_UNIFORM);
    a.buffers[10] = y.data();
    a.buffers[11] = ST.data();
    a.buffers[12] = ptr(ZT);
    a.B = B;
    a.T = T;
    a.H = H;
    unsigned peak = 0;
    if (strategy == 0) {
      using Prog = idak::ScanFwdOnePassProgram<P, Cfg>;
      Prog::grid(a, a.grid);
      peak = idaemu::runGrid<Prog>(a, a.grid, kThreads);
    } else {
      using K1 = idak::ScanChunkStatesProgram<P, Cfg>;
      using K2 = idak::ScanStatePassingProgram<P, Cfg>;
      using K3 = idak::ScanChunkOutputProgram<P, Cfg>;
      std::vector<float> wsS(K1::ws_state_elems(B, T, H)), wsD(K1::ws_decay_elems(B, T, H));
      a.buffers[13] = wsS.data();
      a.buffers[14] = wsD.data();
      K1::grid(a, a.grid);
      peak = idaemu::runGrid<K1>(a, a.grid, kThreads);
      K2::grid(a, a.grid);
      idaemu::runGrid<K2>(a, a.grid, kThreads);
      K3::grid(a, a.grid);
      idaemu::runGrid<K3>(a, a.grid, kThreads);
    }
    std::printf("  %s C=%d BV=%d T=%ld arena %u B\n", strategy ? "twopass" : "onepass", Cfg::C,
                Cfg::BV, (long)T, peak);
    expectClose("y", relErr(y, r.y));
    expectClose("S_T", relErr(ST, r.S_T));
    if (P::normalize)
      expectClose("Z_T", relErr(ZT, r.Z_T));
  }
}

template <class P, class Cfg> void checkBackward(int64_t B, int64_t T, int64_t H, uint64_t seed) {
  using Prog = idak::ScanBwdProgram<P, Cfg>;
  using Reduce = idak::ScanBwdParamReduceProgram<P, Cfg>;
  constexpr int NF = P::N * P::F;
  ref::Inputs in = inputs<P>(B, T, H, seed);
  std::mt19937_64 g(seed + 5);
  ref::Cotangents ct;
  ct.dy = normal(g, {B, T, H, P::P}, 0.0, 1.0);
  ct.dS_T = normal(g, {B, H, P::N, P::F, P::P}, 0.0, 0.3);
  if (P::normalize)
    ct.dZ_T = normal(g, {B, H, P::N, P::F}, 0.0, 0.3);
  const ref::Gradients gr = ref::backward(refConfig<P>(), in, ct);
  Bufs b(in);
  std::vector<float> dy = f32(ct.dy), dST = f32(*ct.dS_T),
                     dZT = ct.dZ_T ? f32(*ct.dZ_T) : std::vector<float>();
  std::vector<float> dq(b.q.size(), NAN), dk(b.k.size(), NAN), dv(b.v.size(), NAN),
      ddt(b.dt.size(), NAN), dg(b.g.size(), NAN), dS0(b.S0.size(), NAN), dZ0(b.Z0.size(), NAN);
  std::vector<float> wsS(Prog::ws_state_elems(B, T, H)), wsP(Prog::ws_param_elems(B, H));
  std::vector<float> dA(H * P::N, NAN), dbias(H, NAN), dW(b.W.size(), NAN);
  IdaKernelArgs a{};
  b.set(a, P::basis == IDA_BASIS_UNIFORM);
  a.buffers[10] = dy.data();
  a.buffers[11] = dST.data();
  a.buffers[12] = ptr(dZT);
  a.buffers[13] = dq.data();
  a.buffers[14] = dk.data();
  a.buffers[15] = dv.data();
  a.buffers[16] = ddt.data();
  a.buffers[17] = P::basis == IDA_BASIS_UNIFORM ? nullptr : dg.data();
  a.buffers[18] = dS0.data();
  a.buffers[19] = ptr(dZ0);
  a.buffers[20] = wsS.data();
  a.buffers[21] = wsP.data();
  a.B = B;
  a.T = T;
  a.H = H;
  Prog::grid(a, a.grid);
  const unsigned peak = idaemu::runGrid<Prog>(a, a.grid, kThreads);
  IdaKernelArgs ra{};
  ra.buffers[0] = wsP.data();
  ra.buffers[1] = dA.data();
  ra.buffers[2] = dbias.data();
  ra.buffers[3] = ptr(dW);
  ra.B = B;
  ra.T = T;
  ra.H = H;
  Reduce::grid(ra, ra.grid);
  idaemu::runGrid<Reduce>(ra, ra.grid, kThreads);
  std::printf("  backward C=%d T=%ld NF=%d arena %u B\n", Cfg::C, (long)T, NF, peak);
  expectClose("dq", relErr(dq, gr.dq));
  expectClose("dk", relErr(dk, gr.dk));
  expectClose("dv", relErr(dv, gr.dv));
  expectClose("ddt", relErr(ddt, gr.ddt));
  if (P::basis != IDA_BASIS_UNIFORM)
    expectClose("dg", relErr(dg, gr.dg));
  expectClose("dA_log", relErr(dA, gr.dA_log));
  expectClose("ddt_bias", relErr(dbias, gr.ddt_bias));
  if (P::Fp > 0)
    expectClose("dW", relErr(dW, gr.dW));
  expectClose("dS0", relErr(dS0, gr.dS0));
  if (P::normalize)
    expectClose("dZ0", relErr(dZ0, gr.dZ0));
}

template <int D_, int P_, int window_> struct AttnParams {
  static constexpr int D = D_, P = P_, window = window_;
  using in_t = float;
};

template <class P, class Cfg> void checkAttention(int64_t B, int64_t T, int64_t H, uint64_t seed) {
  std::mt19937_64 g(seed);
  const ref::Array q = normal(g, {B, T, H, P::D}, 0, 1), k = normal(g, {B, T, H, P::D}, 0, 1);
  const ref::Array v = normal(g, {B, T, H, P::P}, 0, 1), dy = normal(g, {B, T, H, P::P}, 0, 1);
  const ref::Array yr = ref::softmaxAttention(q, k, v, P::window);
  const ref::SoftmaxAttentionGrads gr = ref::softmaxAttentionBackward(q, k, v, dy, P::window);
  std::vector<float> qf = f32(q), kf = f32(k), vf = f32(v), dyf = f32(dy);
  std::vector<float> y(vf.size(), NAN), lse(B * H * T, NAN), dq(qf.size(), NAN),
      dk(kf.size(), NAN), dv(vf.size(), NAN);
  IdaKernelArgs a{};
  void *bufs[] = {qf.data(), kf.data(), vf.data(), y.data(), lse.data(),
                  dyf.data(), dq.data(), dk.data(), dv.data()};
  for (int i = 0; i < 9; ++i)
    a.buffers[i] = bufs[i];
  a.B = B;
  a.T = T;
  a.H = H;
  using Fwd = idak::SoftmaxAttnFwdProgram<P, Cfg>;
  using DKDV = idak::SoftmaxAttnBwdDKDVProgram<P, Cfg>;
  using DQ = idak::SoftmaxAttnBwdDQProgram<P, Cfg>;
  Fwd::grid(a, a.grid);
  idaemu::runGrid<Fwd>(a, a.grid, kThreads);
  DKDV::grid(a, a.grid);
  idaemu::runGrid<DKDV>(a, a.grid, kThreads);
  DQ::grid(a, a.grid);
  idaemu::runGrid<DQ>(a, a.grid, kThreads);
  std::printf("  attention BM=%d BN=%d window=%d T=%ld\n", Cfg::BM, Cfg::BN, P::window, (long)T);
  expectClose("y", relErr(y, yr));
  expectClose("dq", relErr(dq, gr.dq));
  expectClose("dk", relErr(dk, gr.dk));
  expectClose("dv", relErr(dv, gr.dv));
}

using idak::Config;
using Elu1 = Params<8, 8, 0, 2, 12, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, false>;
using Norm = Params<8, 8, 0, 2, 12, IDA_FEATURE_ELU1, IDA_BASIS_SIGMOID, true>;
using Prf = Params<8, 8, 8, 2, 8, IDA_FEATURE_PRF, IDA_BASIS_SOFTMAX, false>;
using Hedge = Params<8, 8, 4, 2, 8, IDA_FEATURE_HEDGEHOG, IDA_BASIS_UNIFORM, false>;
using Taylor = Params<4, 21, 0, 2, 8, IDA_FEATURE_TAYLOR2, IDA_BASIS_SOFTMAX, false>;
// Dimensions below a warp's 4x4 blocks (the Python GPU check's small preset).
using Tiny = Params<3, 3, 0, 2, 2, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, false>;

} // namespace

#ifndef IDA_EMU_MMA
TEST(IDA_EMU_SUITE, ForwardElu1RaggedValueTiles) {
  checkForward<Elu1, Config<16, 8>>(1, 40, 2, 11); // BV = 8 < P = 12: ragged tile
  checkForward<Elu1, Config<16, 16>>(1, 1, 1, 12);
}
TEST(IDA_EMU_SUITE, ForwardNormalizePrfHedgehogTaylor) {
  checkForward<Norm, Config<16, 8>>(1, 33, 1, 13);
  checkForward<Prf, Config<8, 8>>(1, 20, 1, 14);
  checkForward<Hedge, Config<8, 8>>(1, 20, 1, 15);
  checkForward<Taylor, Config<8, 8>>(1, 20, 1, 16);
}
TEST(IDA_EMU_SUITE, Backward) {
  checkBackward<Elu1, Config<16, 8>>(1, 40, 2, 21);
  checkBackward<Norm, Config<16, 8>>(1, 33, 1, 22);
  checkBackward<Prf, Config<8, 8>>(1, 20, 1, 23);
}
TEST(IDA_EMU_SUITE, TinyDimensions) {
  checkForward<Tiny, Config<4, 16>>(2, 7, 2, 41);
  checkBackward<Tiny, Config<4, 16>>(2, 7, 2, 42);
}
TEST(IDA_EMU_SUITE, SoftmaxAttention) {
  checkAttention<AttnParams<8, 12, 0>, Config<16, 16, 16, 16>>(1, 40, 2, 31);
  checkAttention<AttnParams<8, 8, 5>, Config<16, 16, 16, 8>>(1, 33, 1, 32);
}

// Dynamic shared memory each program of tests/gpu's presets needs (the arena
// peak, run once at T = 1 on zero inputs), against the 227 KB an H100/H200
// block may have: catches template growth before a GPU run does. The peak
// is measured with 2 warps; 4 warps add 512 bytes of arena header.
/// Arguments for a one-token run on zero inputs: every buffer slot but the
/// last (which no program uses) points at zeroed memory.
IdaKernelArgs zeroInputArgs() {
  static std::vector<std::vector<float>> bufs(IDA_MAX_KERNEL_BUFFERS,
                                              std::vector<float>(1 << 19, 0.0f));
  IdaKernelArgs a{};
  for (int i = 0; i < IDA_MAX_KERNEL_BUFFERS - 1; ++i)
    a.buffers[i] = bufs[i].data();
  a.B = a.T = a.H = 1;
  return a;
}

template <class Prog> unsigned arenaBytes() {
  IdaKernelArgs a = zeroInputArgs();
  const int64_t g[3] = {1, 1, 1};
  return idaemu::runGrid<Prog>(a, g, kThreads) + 512;
}
template <class P, class Cfg> void checkScanArena(const char *name, bool backward) {
  const unsigned limit = 232448;
  const unsigned v[] = {arenaBytes<idak::ScanFwdOnePassProgram<P, Cfg>>(),
                        arenaBytes<idak::ScanChunkStatesProgram<P, Cfg>>(),
                        arenaBytes<idak::ScanChunkOutputProgram<P, Cfg>>(),
                        arenaBytes<idak::ScanDecodeProgram<P, Cfg>>(),
                        backward ? arenaBytes<idak::ScanBwdProgram<P, Cfg>>() : 0u};
  std::printf("  %-28s onepass %6u  states %6u  output %6u  decode %6u  bwd %6u bytes\n", name,
              v[0], v[1], v[2], v[3], v[4]);
  for (unsigned x : v)
    EXPECT_LE(x, limit) << name;
}

TEST(IDA_EMU_SUITE, ArenaBudgetOfGpuPresets) {
  // tests/gpu/GpuCheckSource.h gpuCheckPresets(), same order.
  checkScanArena<Params<64, 64, 0, 4, 64, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, false>,
                 Config<32, 64>>("elu1-n4-d64", false);
  checkScanArena<Params<64, 64, 0, 4, 64, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, false>,
                 Config<16, 32>>("elu1-n4-d64-bwd", true);
  checkScanArena<Params<64, 64, 0, 4, 32, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, false>,
                 Config<16, 32>>("elu1-n4-d64p32", true);
  checkScanArena<Params<64, 64, 0, 1, 64, IDA_FEATURE_IDENTITY, IDA_BASIS_UNIFORM, false>,
                 Config<32, 64>>("mamba2-like", true);
  checkScanArena<Params<32, 32, 32, 2, 32, IDA_FEATURE_PRF, IDA_BASIS_SOFTMAX, false>,
                 Config<32, 32>>("prf-fp32-d32", true);
  checkScanArena<Params<32, 32, 0, 2, 32, IDA_FEATURE_ELU1, IDA_BASIS_SIGMOID, true>,
                 Config<32, 16>>("normalize-elu1-sigmoid", true);
  using A = AttnParams<64, 64, 0>;
  using AC = Config<32, 64, 64, 64>;
  const unsigned f = arenaBytes<idak::SoftmaxAttnFwdProgram<A, AC>>(),
                 kv = arenaBytes<idak::SoftmaxAttnBwdDKDVProgram<A, AC>>(),
                 q = arenaBytes<idak::SoftmaxAttnBwdDQProgram<A, AC>>();
  std::printf("  %-28s fwd %6u  dkdv %6u  dq %6u bytes\n", "attention D=P=64 64x64", f, kv, q);
  EXPECT_LE(kv, 232448u);
}

// The arena's overflow path (tile_cuda.cuh arena_overflow): a launch whose
// dynamic shared memory is too small records what the block needed in
// ida_arena_status and every thread exits (PTX exit, emulated by a longjmp
// to the thread's entry); a later launch with enough memory is unaffected.
// `status` is the emulated module variable the runtime reads on the GPU.
IdaArenaStatus takeArenaStatus() {
  const IdaArenaStatus s = ida_arena_status;
  ida_arena_status = IdaArenaStatus{}; // as the runtime clears it after a read
  return s;
}
unsigned overflowNeed(const IdaArenaStatus &s) { return unsigned(s.overflow >> 32); }
unsigned overflowHave(const IdaArenaStatus &s) { return unsigned(s.overflow & 0xffffffffu); }

/// One program on zero inputs (T = 1, as arenaBytes) at several sizes of
/// dynamic shared memory from nothing to just below its peak: every block
/// exits at every size, together (no block with only some threads gone),
/// and records need > have = the launch's size, need <= the peak (the
/// header's size when even the header does not fit); 16 bytes short, need
/// is exactly the peak. With the peak itself nothing exits and
/// the recorded peak is ida_cuda_arena_peak's.
template <class Prog> void checkOverflowSweep(const char *name) {
  IdaKernelArgs a = zeroInputArgs();
  const int64_t g[3] = {1, 2, 1}; // two blocks: each records, the worst wins
  takeArenaStatus();
  const unsigned peak = idaemu::runGrid<Prog>(a, g, kThreads);
  IdaArenaStatus s = takeArenaStatus();
  std::printf("  %-24s peak %6u B, recorded %6u B\n", name, peak, s.peak);
  ASSERT_GT(peak, 0u) << name;
  EXPECT_EQ(s.peak, peak) << name << ": the wrapper epilogue records the arena peak";
  EXPECT_EQ(s.overflow, 0u) << name;
  EXPECT_EQ(idaemu::gLastExits.exitedBlocks, 0) << name;
  const unsigned sizes[] = {0u, 64u, 512u, 4096u, peak / 2, peak - 256, peak - 16};
  for (unsigned smem : sizes) {
    idaemu::runGrid<Prog>(a, g, kThreads, smem);
    s = takeArenaStatus();
    EXPECT_EQ(idaemu::gLastExits.exitedBlocks, 2) << name << " smem " << smem;
    EXPECT_EQ(idaemu::gLastExits.mixedBlocks, 0) << name << " smem " << smem;
    EXPECT_EQ(overflowHave(s), smem) << name;
    EXPECT_GT(overflowNeed(s), smem) << name;
    EXPECT_LE(overflowNeed(s), peak) << name;
    EXPECT_EQ(s.peak, 0u) << name << " smem " << smem << ": no block completed";
    if (smem < idat::detail::kArenaBase) // make_ctx: not even the header fits
      EXPECT_EQ(overflowNeed(s), idat::detail::kArenaBase) << name << " smem " << smem;
  }
  idaemu::runGrid<Prog>(a, g, kThreads, peak - 16);
  s = takeArenaStatus();
  EXPECT_EQ(overflowNeed(s), peak) << name << ": the allocation that reaches the peak fails";
  idaemu::runGrid<Prog>(a, g, kThreads, peak);
  s = takeArenaStatus();
  EXPECT_EQ(s.overflow, 0u) << name;
  EXPECT_EQ(s.peak, peak) << name;
}

TEST(IDA_EMU_SUITE, ArenaOverflowExitsEveryThreadAndRecordsTheNeed) {
  // Programs with nested tile scopes (twopass's lastL, the backward's value
  // tiles) release and reallocate, so the failing allocation varies with
  // the size.
  checkOverflowSweep<idak::ScanFwdOnePassProgram<Elu1, Config<16, 8>>>("onepass");
  checkOverflowSweep<idak::ScanChunkStatesProgram<Elu1, Config<16, 8>>>("chunk_states");
  checkOverflowSweep<idak::ScanChunkOutputProgram<Elu1, Config<16, 8>>>("chunk_output");
  checkOverflowSweep<idak::ScanBwdProgram<Elu1, Config<16, 8>>>("backward");
  checkOverflowSweep<idak::SoftmaxAttnBwdDKDVProgram<AttnParams<8, 12, 0>,
                                                     Config<16, 16, 16, 16>>>("attn_bwd_dkdv");
}

TEST(IDA_EMU_SUITE, ArenaOverflowThenEnoughMemoryMatchesTheReference) {
  using P = Elu1;
  using Cfg = Config<16, 8>;
  using Prog = idak::ScanFwdOnePassProgram<P, Cfg>;
  using Sh = idak::ScanShape<P, Cfg>;
  const int64_t B = 1, T = 40, H = 2;
  const ref::Inputs in = inputs<P>(B, T, H, 61);
  const ref::Outputs r = ref::forward(refConfig<P>(), in);
  Bufs b(in);
  std::vector<float> y(B * T * H * P::P, NAN), ST(B * H * Sh::NF * P::P, NAN);
  IdaKernelArgs a{};
  b.set(a, false);
  a.buffers[10] = y.data();
  a.buffers[11] = ST.data();
  a.B = B;
  a.T = T;
  a.H = H;
  Prog::grid(a, a.grid);
  const int64_t blocks = a.grid[0] * a.grid[1] * a.grid[2];
  takeArenaStatus();

  // Too small: every block leaves, the status says by how much.
  const unsigned small = 8 * 1024;
  idaemu::runGrid<Prog>(a, a.grid, kThreads, small);
  IdaArenaStatus s = takeArenaStatus();
  std::printf("  onepass with %u B: overflow need %u have %u, %ld of %ld blocks exited\n", small,
              overflowNeed(s), overflowHave(s), (long)idaemu::gLastExits.exitedBlocks,
              (long)blocks);
  EXPECT_EQ(idaemu::gLastExits.exitedBlocks, blocks);
  EXPECT_EQ(idaemu::gLastExits.mixedBlocks, 0);
  EXPECT_GT(overflowNeed(s), small);
  EXPECT_EQ(overflowHave(s), small);
  EXPECT_EQ(s.peak, 0u);
  const unsigned need = overflowNeed(s);

  // The same program with enough memory: right answers, no overflow, and
  // the recorded peak is the program's.
  const unsigned peak = idaemu::runGrid<Prog>(a, a.grid, kThreads);
  s = takeArenaStatus();
  EXPECT_EQ(idaemu::gLastExits.exitedBlocks, 0);
  EXPECT_EQ(s.overflow, 0u);
  EXPECT_EQ(s.peak, peak);
  EXPECT_GE(peak, need) << "the need is a lower bound of the peak";
  expectClose("y", relErr(y, r.y));
  expectClose("S_T", relErr(ST, r.S_T));
}

// Slow (about a minute): the error growth over a long sequence, to size the
// GPU check's fp32 tolerance at T = 1000. Run with
// --gtest_also_run_disabled_tests --gtest_filter='*LongSequence*'.
TEST(IDA_EMU_SUITE, DISABLED_LongSequence) {
  using Elu1N4 = Params<16, 16, 0, 4, 16, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, false>;
  checkForward<Elu1N4, Config<32, 16>>(1, 1000, 1, 41);
  checkBackward<Elu1N4, Config<32, 16>>(1, 1000, 1, 42);
  checkBackward<Norm, Config<32, 16>>(1, 1000, 1, 43);
}
#else
// mma.sync path: sizes multiple of the mma shape so the tensor-core branch
// runs (C, F, D, P multiples of 16; BV, BN multiples of 8).
using E16 = Params<16, 16, 0, 2, 16, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, false>;
TEST(IDA_EMU_SUITE, ForwardAndBackward) {
  checkForward<E16, Config<16, 8>>(1, 40, 1, 51);
  checkForward<E16, Config<32, 16>>(1, 40, 1, 52);
  checkBackward<E16, Config<16, 16>>(1, 40, 1, 53);
}
TEST(IDA_EMU_SUITE, SoftmaxAttention) {
  checkAttention<AttnParams<16, 16, 0>, Config<16, 16, 16, 16>>(1, 40, 1, 54);
}
#endif

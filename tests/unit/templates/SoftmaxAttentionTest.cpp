//===- tests/unit/templates/SoftmaxAttentionTest.cpp - fwd and bwd --------===//
//
// Flash-style causal softmax attention (optional window) against
// ref::softmaxAttention and ref::softmaxAttentionBackward.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/templates/TemplateTestSupport.h"

using namespace ida::tmpl::test;
using idak::Config;

namespace {

template <int D_, int P_, int window_> struct AttnParams {
  static constexpr int D = D_, P = P_, window = window_;
  using in_t = float;
};

template <class P, class Cfg> void checkAttention(int64_t B, int64_t T, int64_t H, uint64_t seed) {
  using Buf = idak::AttnBuf;
  Random r(seed);
  const ref::Array q = r.normal({B, T, H, P::D}), k = r.normal({B, T, H, P::D});
  const ref::Array v = r.normal({B, T, H, P::P}), dy = r.normal({B, T, H, P::P});
  const ref::Array yr = ref::softmaxAttention(q, k, v, P::window);
  const ref::SoftmaxAttentionGrads gr = ref::softmaxAttentionBackward(q, k, v, dy, P::window);
  std::vector<float> qf = toFloat(q), kf = toFloat(k), vf = toFloat(v), dyf = toFloat(dy);
  std::vector<float> y(vf.size()), lse(B * H * T), dq(qf.size()), dk(kf.size()), dv(vf.size());
  IdaKernelArgs a{};
  a.buffers[Buf::q] = qf.data();
  a.buffers[Buf::k] = kf.data();
  a.buffers[Buf::v] = vf.data();
  a.buffers[Buf::y] = y.data();
  a.buffers[Buf::lse] = lse.data();
  a.buffers[Buf::dy] = dyf.data();
  a.buffers[Buf::dq] = dq.data();
  a.buffers[Buf::dk] = dk.data();
  a.buffers[Buf::dv] = dv.data();
  a.B = B;
  a.T = T;
  a.H = H;
  using Fwd = idak::SoftmaxAttnFwdProgram<P, Cfg>;
  using DKDV = idak::SoftmaxAttnBwdDKDVProgram<P, Cfg>;
  using DQ = idak::SoftmaxAttnBwdDQProgram<P, Cfg>;
  Fwd::grid(a, a.grid);
  runGrid<Fwd>(a);
  DKDV::grid(a, a.grid);
  runGrid<DKDV>(a);
  DQ::grid(a, a.grid);
  runGrid<DQ>(a);
  std::printf("  attention BM=%d BN=%d window=%d B=%ld T=%ld H=%ld\n", Cfg::BM, Cfg::BN,
              P::window, (long)B, (long)T, (long)H);
  expectClose("y", relErr(y, yr));
  expectClose("dq", relErr(dq, gr.dq));
  expectClose("dk", relErr(dk, gr.dk));
  expectClose("dv", relErr(dv, gr.dv));
}

using Full = AttnParams<8, 12, 0>;
using Window = AttnParams<8, 12, 5>;
using Wide = AttnParams<16, 16, 40>;

} // namespace

TEST(SoftmaxAttention, CausalRaggedT) {
  uint64_t seed = 900;
  for (int64_t T : {1, 63, 64, 65, 200})
    checkAttention<Full, Config<16, 16, 16, 16>>(2, T, 2, ++seed);
  checkAttention<Full, Config<16, 16, 16, 32>>(1, 65, 3, ++seed);
}

TEST(SoftmaxAttention, SlidingWindow) {
  checkAttention<Window, Config<16, 16, 16, 16>>(2, 65, 2, 951);
  checkAttention<Wide, Config<16, 16, 32, 16>>(1, 200, 2, 952);
}

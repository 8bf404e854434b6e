//===- tests/unit/templates/ScanDecodeTest.cpp - decode step vs ref -------===//
//
// Several decode steps in a row, state updated in place (S_out aliases S_in),
// against ref::decodeStep applied to the same carried float64 state.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/templates/TemplateTestSupport.h"

using namespace ida::tmpl::test;
using idak::Config;

namespace {

template <class P, class Cfg> void checkDecode(int64_t B, int64_t H, int steps, uint64_t seed) {
  using Buf = idak::ScanFwdBuf;
  using Prog = idak::ScanDecodeProgram<P, Cfg>;
  const ref::Config cfg = refConfig<P>();
  ref::Inputs first = randomInputs<P>(B, 1, H, /*withS0=*/true, seed);
  ref::Array S = *first.S0;
  ref::Array Z = P::normalize ? *first.Z0 : ref::Array();
  std::vector<float> Sf = toFloat(S), Zf = toFloat(Z);
  for (int step = 0; step < steps; ++step) {
    ref::Inputs in = randomInputs<P>(B, 1, H, false, seed + 1000 + step);
    in.A_log = first.A_log;
    in.dt_bias = first.dt_bias;
    in.W = first.W;
    DeviceInputs d(in);
    std::vector<float> y(B * H * P::P, -7.0f);
    IdaKernelArgs a{};
    a.buffers[Buf::q] = d.q.data();
    a.buffers[Buf::k] = d.k.data();
    a.buffers[Buf::v] = d.v.data();
    a.buffers[Buf::dt] = d.dt.data();
    a.buffers[Buf::g] = d.g.data();
    a.buffers[Buf::A_log] = d.A_log.data();
    a.buffers[Buf::dt_bias] = d.dt_bias.data();
    a.buffers[Buf::W] = ptrOrNull(d.W);
    a.buffers[Buf::S0] = a.buffers[Buf::S_T] = Sf.data();
    a.buffers[Buf::Z0] = a.buffers[Buf::Z_T] = ptrOrNull(Zf);
    a.buffers[Buf::y] = y.data();
    a.B = B;
    a.T = 1;
    a.H = H;
    Prog::grid(a, a.grid);
    runGrid<Prog>(a);
    const ref::Array yr = ref::decodeStep(cfg, in, S, P::normalize ? &Z : nullptr);
    std::printf("  decode step %d\n", step);
    expectClose("y", relErr(y, yr));
    expectClose("S", relErr(Sf, S));
    if (P::normalize)
      expectClose("Z", relErr(Zf, Z));
  }
}

using Elu1 = Params<8, 8, 0, 3, 12, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, false>;
using HedgehogNorm = Params<6, 16, 8, 2, 8, IDA_FEATURE_HEDGEHOG, IDA_BASIS_SIGMOID, true>;

} // namespace

TEST(ScanDecode, Elu1InPlaceState) { checkDecode<Elu1, Config<64, 8>>(2, 3, 4, 41); }
TEST(ScanDecode, HedgehogNormalize) { checkDecode<HedgehogNorm, Config<64, 8>>(2, 2, 3, 42); }

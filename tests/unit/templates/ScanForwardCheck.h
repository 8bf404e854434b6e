//===- tests/unit/templates/ScanForwardCheck.h - forward vs reference -----===//
#ifndef IDA_TESTS_UNIT_TEMPLATES_SCANFORWARDCHECK_H
#define IDA_TESTS_UNIT_TEMPLATES_SCANFORWARDCHECK_H

#include "tests/unit/templates/TemplateTestSupport.h"

namespace ida::tmpl::test {

enum class Strategy { OnePass, TwoPass };

struct ScanFwdOutputs {
  std::vector<float> y, S_T, Z_T;
};

/// Runs the forward scan kernels of one strategy on `in`.
template <class P, class Cfg>
ScanFwdOutputs runScanForward(Strategy strategy, ref::Inputs &in) {
  using Sh = idak::ScanShape<P, Cfg>;
  const int64_t B = in.q.shape[0], T = in.q.shape[1], H = in.q.shape[2];
  DeviceInputs d(in);
  ScanFwdOutputs out;
  out.y.assign(B * T * H * P::P, -7.0f);
  out.S_T.assign(B * H * Sh::NF * P::P, -7.0f);
  if (P::normalize)
    out.Z_T.assign(B * H * Sh::NF, -7.0f);
  IdaKernelArgs a{};
  void **buf = a.buffers;
  using Buf = idak::ScanFwdBuf;
  buf[Buf::q] = d.q.data();
  buf[Buf::k] = d.k.data();
  buf[Buf::v] = d.v.data();
  buf[Buf::dt] = d.dt.data();
  // uniform basis weights never read g (and never write dg): pass null.
  buf[Buf::g] = P::basis == IDA_BASIS_UNIFORM ? nullptr : d.g.data();
  buf[Buf::A_log] = d.A_log.data();
  buf[Buf::dt_bias] = d.dt_bias.data();
  buf[Buf::W] = ptrOrNull(d.W);
  buf[Buf::S0] = ptrOrNull(d.S0);
  buf[Buf::Z0] = ptrOrNull(d.Z0);
  buf[Buf::y] = out.y.data();
  buf[Buf::S_T] = out.S_T.data();
  buf[Buf::Z_T] = ptrOrNull(out.Z_T);
  a.B = B;
  a.T = T;
  a.H = H;
  if (strategy == Strategy::OnePass) {
    using Prog = idak::ScanFwdOnePassProgram<P, Cfg>;
    Prog::grid(a, a.grid);
    runGrid<Prog>(a);
  } else {
#ifdef IDA_TEMPLATES_KERNELS_SCAN_FWD_TWOPASS_H
    using K1 = idak::ScanChunkStatesProgram<P, Cfg>;
    using K2 = idak::ScanStatePassingProgram<P, Cfg>;
    using K3 = idak::ScanChunkOutputProgram<P, Cfg>;
    std::vector<float> ws_state(K1::ws_state_elems(a.B, a.T, a.H));
    std::vector<float> ws_decay(K1::ws_decay_elems(a.B, a.T, a.H));
    buf[Buf::ws_state] = ws_state.data();
    buf[Buf::ws_decay] = ws_decay.data();
    K1::grid(a, a.grid);
    runGrid<K1>(a);
    K2::grid(a, a.grid);
    runGrid<K2>(a);
    K3::grid(a, a.grid);
    runGrid<K3>(a);
#else
    ADD_FAILURE() << "twopass not compiled";
#endif
  }
  return out;
}

/// One forward case against ref::forward.
template <class P, class Cfg>
void checkScanForward(Strategy strategy, int64_t B, int64_t T, int64_t H, bool withS0,
                      uint64_t seed, double tol = 1e-5) {
  ref::Inputs in = randomInputs<P>(B, T, H, withS0, seed);
  const ref::Config cfg = refConfig<P>();
  const ref::Outputs r = ref::forward(cfg, in);
  const ScanFwdOutputs o = runScanForward<P, Cfg>(strategy, in);
  std::printf("  %s C=%d BV=%d B=%ld T=%ld H=%ld S0=%d\n",
              strategy == Strategy::OnePass ? "onepass" : "twopass", Cfg::C, Cfg::BV,
              (long)B, (long)T, (long)H, (int)withS0);
  expectClose("y", relErr(o.y, r.y), tol);
  if (P::has_ST) {
    expectClose("S_T", relErr(o.S_T, r.S_T), tol);
    if (P::normalize)
      expectClose("Z_T", relErr(o.Z_T, r.Z_T), tol);
  }
}

} // namespace ida::tmpl::test

#endif // IDA_TESTS_UNIT_TEMPLATES_SCANFORWARDCHECK_H

//===- tests/unit/templates/ScanBackwardCheck.h - backward vs reference ---===//
#ifndef IDA_TESTS_UNIT_TEMPLATES_SCANBACKWARDCHECK_H
#define IDA_TESTS_UNIT_TEMPLATES_SCANBACKWARDCHECK_H

#include "tests/unit/templates/TemplateTestSupport.h"

namespace ida::tmpl::test {

/// Runs the two backward kernels on (in, ct) and checks every gradient
/// against ref::backward.
template <class P, class Cfg>
void checkScanBackward(int64_t B, int64_t T, int64_t H, bool withS0, bool withDST,
                       uint64_t seed, double tol = 1e-5) {
  using Prog = idak::ScanBwdProgram<P, Cfg>;
  using Reduce = idak::ScanBwdParamReduceProgram<P, Cfg>;
  using Buf = idak::ScanFwdBuf;
  using BBuf = idak::ScanBwdBuf;
  constexpr int NF = P::N * P::F;
  ref::Inputs in = randomInputs<P>(B, T, H, withS0, seed);
  Random r(seed + 77);
  ref::Cotangents ct;
  ct.dy = r.normal({B, T, H, P::P});
  if (withDST) {
    ct.dS_T = r.normal({B, H, P::N, P::F, P::P}, 0.0, 0.3);
    if (P::normalize)
      ct.dZ_T = r.normal({B, H, P::N, P::F}, 0.0, 0.3);
  }
  const ref::Config cfg = refConfig<P>();
  const ref::Gradients gr = ref::backward(cfg, in, ct);

  DeviceInputs d(in);
  std::vector<float> dy = toFloat(ct.dy);
  std::vector<float> dST = ct.dS_T ? toFloat(*ct.dS_T) : std::vector<float>();
  std::vector<float> dZT = ct.dZ_T ? toFloat(*ct.dZ_T) : std::vector<float>();
  std::vector<float> dq(d.q.size()), dk(d.k.size()), dv(d.v.size()), ddt(d.dt.size()),
      dg(d.g.size()), dS0(d.S0.size()), dZ0(d.Z0.size());
  std::vector<float> ws_state(Prog::ws_state_elems(B, T, H)), ws_param(Prog::ws_param_elems(B, H));
  std::vector<float> dA_log(H * P::N), ddt_bias(H), dW(d.W.size());
  IdaKernelArgs a{};
  void **buf = a.buffers;
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
  buf[BBuf::dy] = dy.data();
  buf[BBuf::dS_T] = ptrOrNull(dST);
  buf[BBuf::dZ_T] = ptrOrNull(dZT);
  buf[BBuf::dq] = dq.data();
  buf[BBuf::dk] = dk.data();
  buf[BBuf::dv] = dv.data();
  buf[BBuf::ddt] = ddt.data();
  buf[BBuf::dg] = P::basis == IDA_BASIS_UNIFORM ? nullptr : dg.data();
  buf[BBuf::dS0] = ptrOrNull(dS0);
  buf[BBuf::dZ0] = ptrOrNull(dZ0);
  buf[BBuf::ws_state] = ws_state.data();
  buf[BBuf::ws_param] = ws_param.data();
  a.B = B;
  a.T = T;
  a.H = H;
  Prog::grid(a, a.grid);
  runGrid<Prog>(a);

  IdaKernelArgs ra{};
  ra.buffers[Reduce::ws_param] = ws_param.data();
  ra.buffers[Reduce::dA_log] = dA_log.data();
  ra.buffers[Reduce::ddt_bias] = ddt_bias.data();
  ra.buffers[Reduce::dW] = ptrOrNull(dW);
  ra.B = B;
  ra.T = T;
  ra.H = H;
  Reduce::grid(ra, ra.grid);
  runGrid<Reduce>(ra);

  std::printf("  backward C=%d B=%ld T=%ld H=%ld S0=%d dS_T=%d (NF=%d)\n", Cfg::C, (long)B,
              (long)T, (long)H, (int)withS0, (int)withDST, NF);
  expectClose("dq", relErr(dq, gr.dq), tol);
  expectClose("dk", relErr(dk, gr.dk), tol);
  expectClose("dv", relErr(dv, gr.dv), tol);
  expectClose("ddt", relErr(ddt, gr.ddt), tol);
  if (P::basis != IDA_BASIS_UNIFORM)
    expectClose("dg", relErr(dg, gr.dg), tol);
  expectClose("dA_log", relErr(dA_log, gr.dA_log), tol);
  expectClose("ddt_bias", relErr(ddt_bias, gr.ddt_bias), tol);
  if (P::Fp > 0)
    expectClose("dW", relErr(dW, gr.dW), tol);
  if (withS0) {
    expectClose("dS0", relErr(dS0, gr.dS0), tol);
    if (P::normalize)
      expectClose("dZ0", relErr(dZ0, gr.dZ0), tol);
  }
}

} // namespace ida::tmpl::test

#endif // IDA_TESTS_UNIT_TEMPLATES_SCANBACKWARDCHECK_H

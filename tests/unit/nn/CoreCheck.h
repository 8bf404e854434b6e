//===- tests/unit/nn/CoreCheck.h - any MixerCore vs the reference -*- C++ -*-===//
//
// Runs a float MixerCore's forward and vjp on fresh random inputs and
// compares them with ida::ref (float64) on the same (float-rounded) inputs,
// as ||out - ref|| / ||ref|| per tensor. Written against the interface only,
// so a bundle-backed core can be checked by the same function.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TESTS_UNIT_NN_CORECHECK_H
#define IDA_TESTS_UNIT_NN_CORECHECK_H

#include "runtime/nn/MixerCore.h"
#include "runtime/nn/Param.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ida::nn::test {

struct CoreDims {
  int64_t B = 2, T = 9, H = 2, D = 4, P = 3, N = 3;
};

inline double relError(const Tensor<float> &out, const ref::Array &want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.data.size(); ++i) {
    const double d = double(out.data[i]) - want.data[i];
    num += d * d;
    den += want.data[i] * want.data[i];
  }
  return std::sqrt(num / std::max(den, 1e-300));
}

inline ref::Array toRef(const Tensor<float> &t) {
  ref::Array a;
  a.shape = t.shape;
  a.data.assign(t.data.begin(), t.data.end());
  return a;
}

/// Fresh inputs for `spec` (seeded), forward + vjp through `core`, compared
/// with the float64 reference; each tensor's relative error must be < tol.
inline void expectCoreMatchesReference(MixerCoreT<float> &core,
                                       const CoreSpec &spec, const CoreDims &d,
                                       uint64_t seed, double tol = 1e-5) {
  InitRng rng(seed);
  const int64_t F = ref::featureDim(spec.ida.feature, d.D, spec.ida.featureParam);
  (void)F;
  Tensor<float> q({d.B, d.T, d.H, d.D}), k({d.B, d.T, d.H, d.D}),
      v({d.B, d.T, d.H, d.P}), dt({d.B, d.T, d.H}), g({d.B, d.T, d.H, d.N}),
      A_log({d.H, d.N}), dt_bias({d.H}), W, dy({d.B, d.T, d.H, d.P});
  rng.fillNormal(q, 0.5);
  rng.fillNormal(k, 0.5);
  rng.fillNormal(v, 1.0);
  rng.fillNormal(dt, 1.0);
  rng.fillNormal(g, 1.0);
  rng.fillUniform(A_log, -1.0, 1.0);
  rng.fillNormal(dt_bias, 0.5);
  rng.fillNormal(dy, 1.0);
  const bool uniform = spec.ida.basisWeights == ref::BasisWeights::Uniform;
  const bool hasW = ref::featureHasWeights(spec.ida.feature);
  if (hasW) {
    W.reset({d.H, spec.ida.featureParam, d.D});
    rng.fillNormal(W, 0.5);
  }
  CoreInputs<float> in;
  in.q = &q, in.k = &k, in.v = &v;
  ref::Inputs ri;
  ri.q = toRef(q), ri.k = toRef(k), ri.v = toRef(v);
  if (!spec.attention) {
    in.dt = &dt, in.A_log = &A_log, in.dt_bias = &dt_bias;
    in.g = uniform ? nullptr : &g;
    in.W = hasW ? &W : nullptr;
    ri.dt = toRef(dt), ri.A_log = toRef(A_log), ri.dt_bias = toRef(dt_bias);
    if (!uniform)
      ri.g = toRef(g);
    if (hasW)
      ri.W = toRef(W);
  }

  Tensor<float> y;
  core.forward(in, y);
  CoreGrads<float> cg;
  core.vjp(in, dy, cg);

  if (spec.attention) {
    EXPECT_LT(relError(y, ref::softmaxAttention(ri.q, ri.k, ri.v)), tol) << "y";
    auto rg = ref::softmaxAttentionBackward(ri.q, ri.k, ri.v, toRef(dy));
    EXPECT_LT(relError(cg.dq, rg.dq), tol) << "dq";
    EXPECT_LT(relError(cg.dk, rg.dk), tol) << "dk";
    EXPECT_LT(relError(cg.dv, rg.dv), tol) << "dv";
    return;
  }
  EXPECT_LT(relError(y, ref::forward(spec.ida, ri).y), tol) << "y";
  ref::Cotangents ct;
  ct.dy = toRef(dy);
  ref::Gradients rg = ref::backward(spec.ida, ri, ct);
  EXPECT_LT(relError(cg.dq, rg.dq), tol) << "dq";
  EXPECT_LT(relError(cg.dk, rg.dk), tol) << "dk";
  EXPECT_LT(relError(cg.dv, rg.dv), tol) << "dv";
  EXPECT_LT(relError(cg.ddt, rg.ddt), tol) << "ddt";
  EXPECT_LT(relError(cg.dA_log, rg.dA_log), tol) << "dA_log";
  EXPECT_LT(relError(cg.ddt_bias, rg.ddt_bias), tol) << "ddt_bias";
  if (!uniform)
    EXPECT_LT(relError(cg.dg, rg.dg), tol) << "dg";
  else
    EXPECT_TRUE(cg.dg.empty());
  if (hasW)
    EXPECT_LT(relError(cg.dW, rg.dW), tol) << "dW";
}

} // namespace ida::nn::test

#endif // IDA_TESTS_UNIT_NN_CORECHECK_H

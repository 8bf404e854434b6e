//===- runtime/bench/Pointwise.h - fp32 per-token maps ---------*- C++ -*-===//
//
// The per-token pieces of the unfused fp32 implementation: softplus, the
// basis weights and the feature maps of spec §4, each with its
// vector-Jacobian product. fp32 counterparts of runtime/reference's float64
// helpers, written separately so the benchmark baseline does not share
// code with the reference it is checked against.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BENCH_POINTWISE_H
#define IDA_RUNTIME_BENCH_POINTWISE_H

#include "runtime/reference/Reference.h"

#include <cmath>
#include <cstdint>

namespace ida::bench {

/// log(1 + e^x) without overflow.
inline float softplusf(float x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}
/// 1 / (1 + e^-x) without overflow; also d softplus / dx.
inline float sigmoidf(float x) {
  if (x >= 0)
    return 1.0f / (1.0f + std::exp(-x));
  float e = std::exp(x);
  return e / (1.0f + e);
}

/// gamma [N] from logits g [N] (null for uniform).
void basisWeights32(ref::BasisWeights kind, const float *g, int64_t N,
                    float *gamma);
/// dg [N] = J^T dgamma (overwritten; zero for uniform).
void basisWeightsVjp32(ref::BasisWeights kind, const float *gamma, int64_t N,
                       const float *dgamma, float *dg);

/// Floats of `scratch` the feature-map functions below need.
inline int64_t featureScratchSize(int64_t D, int64_t featureParam) {
  return 4 * (D > featureParam ? D : featureParam) + 4;
}

/// phi(x) [F] for x [D]; Wh [F', D] for prf/hedgehog (else null).
void featureMap32(ref::FeatureKind kind, const float *x, int64_t D,
                  const float *Wh, int64_t featureParam, float *phi,
                  float *scratch);
/// dx [D] = J_x^T dphi (overwritten); dWh [F', D] += J_W^T dphi when non-null.
void featureMapVjp32(ref::FeatureKind kind, const float *x, int64_t D,
                     const float *Wh, int64_t featureParam, const float *dphi,
                     float *dx, double *dWh, float *scratch);

} // namespace ida::bench

#endif // IDA_RUNTIME_BENCH_POINTWISE_H

//===- runtime/bench/Pointwise.cpp - fp32 basis weights and feature maps --===//
#include "runtime/bench/Pointwise.h"

#include <algorithm>
#include <stdexcept>

namespace ida::bench {

namespace {

void softmaxInto(const float *z, int64_t n, float sign, float *out) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; ++i)
    m = std::max(m, sign * z[i]);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += out[i] = std::exp(sign * z[i] - m);
  for (int64_t i = 0; i < n; ++i)
    out[i] /= sum;
}

/// z [Fp] = Wh [Fp, D] x [D].
void matVec(const float *Wh, int64_t Fp, const float *x, int64_t D, float *z) {
  for (int64_t f = 0; f < Fp; ++f) {
    float s = 0;
    for (int64_t d = 0; d < D; ++d)
      s += Wh[f * D + d] * x[d];
    z[f] = s;
  }
}

float quarterScale(int64_t D) {
  return std::pow(static_cast<float>(D), -0.25f);
}

} // namespace

void basisWeights32(ref::BasisWeights kind, const float *g, int64_t N,
                    float *gamma) {
  switch (kind) {
  case ref::BasisWeights::Uniform:
    std::fill(gamma, gamma + N, 1.0f / static_cast<float>(N));
    return;
  case ref::BasisWeights::Sigmoid:
    for (int64_t n = 0; n < N; ++n)
      gamma[n] = sigmoidf(g[n]);
    return;
  case ref::BasisWeights::Softmax:
    softmaxInto(g, N, 1.0f, gamma);
    return;
  }
}

void basisWeightsVjp32(ref::BasisWeights kind, const float *gamma, int64_t N,
                       const float *dgamma, float *dg) {
  switch (kind) {
  case ref::BasisWeights::Uniform:
    std::fill(dg, dg + N, 0.0f);
    return;
  case ref::BasisWeights::Sigmoid:
    for (int64_t n = 0; n < N; ++n)
      dg[n] = dgamma[n] * gamma[n] * (1.0f - gamma[n]);
    return;
  case ref::BasisWeights::Softmax: {
    float dot = 0;
    for (int64_t n = 0; n < N; ++n)
      dot += gamma[n] * dgamma[n];
    for (int64_t n = 0; n < N; ++n)
      dg[n] = gamma[n] * (dgamma[n] - dot);
    return;
  }
  }
}

void featureMap32(ref::FeatureKind kind, const float *x, int64_t D,
                  const float *Wh, int64_t Fp, float *phi, float *scratch) {
  using K = ref::FeatureKind;
  switch (kind) {
  case K::Identity:
    std::copy(x, x + D, phi);
    return;
  case K::Elu1:
    for (int64_t d = 0; d < D; ++d)
      phi[d] = x[d] > 0 ? x[d] + 1.0f : std::exp(x[d]);
    return;
  case K::Relu:
    for (int64_t d = 0; d < D; ++d)
      phi[d] = std::max(x[d], 0.0f);
    return;
  case K::Taylor2: {
    const float c = quarterScale(D), r = 1.0f / std::sqrt(2.0f);
    float *xs = scratch;
    for (int64_t d = 0; d < D; ++d)
      xs[d] = c * x[d];
    phi[0] = 1.0f;
    std::copy(xs, xs + D, phi + 1);
    for (int64_t i = 0; i < D; ++i)
      for (int64_t j = 0; j < D; ++j)
        phi[1 + D + i * D + j] = xs[i] * xs[j] * r;
    return;
  }
  case K::Prf: {
    const float c = quarterScale(D);
    float *xs = scratch, half = 0;
    for (int64_t d = 0; d < D; ++d) {
      xs[d] = c * x[d];
      half += 0.5f * xs[d] * xs[d];
    }
    matVec(Wh, Fp, xs, D, phi);
    const float scale = 1.0f / std::sqrt(static_cast<float>(Fp));
    for (int64_t f = 0; f < Fp; ++f)
      phi[f] = std::exp(phi[f] - half) * scale;
    return;
  }
  case K::Hedgehog:
    matVec(Wh, Fp, x, D, scratch);
    softmaxInto(scratch, Fp, 1.0f, phi);
    softmaxInto(scratch, Fp, -1.0f, phi + Fp);
    return;
  }
  throw std::invalid_argument("feature: unknown feature kind");
}

void featureMapVjp32(ref::FeatureKind kind, const float *x, int64_t D,
                     const float *Wh, int64_t Fp, const float *dphi, float *dx,
                     double *dWh, float *scratch) {
  using K = ref::FeatureKind;
  switch (kind) {
  case K::Identity:
    std::copy(dphi, dphi + D, dx);
    return;
  case K::Elu1:
    for (int64_t d = 0; d < D; ++d)
      dx[d] = dphi[d] * (x[d] > 0 ? 1.0f : std::exp(x[d]));
    return;
  case K::Relu:
    for (int64_t d = 0; d < D; ++d)
      dx[d] = x[d] > 0 ? dphi[d] : 0.0f;
    return;
  case K::Taylor2: {
    const float c = quarterScale(D), r = 1.0f / std::sqrt(2.0f);
    const float *dquad = dphi + 1 + D;
    for (int64_t i = 0; i < D; ++i) {
      float dxs = dphi[1 + i];
      for (int64_t j = 0; j < D; ++j)
        dxs += (dquad[i * D + j] + dquad[j * D + i]) * c * x[j] * r;
      dx[i] = c * dxs;
    }
    return;
  }
  case K::Prf: {
    // phi_f = exp(u_f) / sqrt(F'), u = W xs - |xs|^2 / 2: du_f = dphi_f phi_f.
    const float c = quarterScale(D);
    float *phi = scratch, *du = scratch + Fp, *work = scratch + 2 * Fp;
    featureMap32(kind, x, D, Wh, Fp, phi, work);
    float duSum = 0;
    for (int64_t f = 0; f < Fp; ++f)
      duSum += du[f] = dphi[f] * phi[f];
    for (int64_t d = 0; d < D; ++d) {
      float dxs = -c * x[d] * duSum;
      for (int64_t f = 0; f < Fp; ++f)
        dxs += Wh[f * D + d] * du[f];
      dx[d] = c * dxs;
    }
    if (dWh)
      for (int64_t f = 0; f < Fp; ++f)
        for (int64_t d = 0; d < D; ++d)
          dWh[f * D + d] += double(du[f]) * (c * x[d]);
    return;
  }
  case K::Hedgehog: {
    // phi = [softmax(z), softmax(-z)], z = W x.
    float *phi = scratch, *dz = scratch + 2 * Fp, *work = dz + Fp;
    featureMap32(kind, x, D, Wh, Fp, phi, work);
    const float *pos = phi, *neg = phi + Fp, *dpos = dphi, *dneg = dphi + Fp;
    float posDot = 0, negDot = 0;
    for (int64_t f = 0; f < Fp; ++f) {
      posDot += pos[f] * dpos[f];
      negDot += neg[f] * dneg[f];
    }
    for (int64_t f = 0; f < Fp; ++f)
      dz[f] = pos[f] * (dpos[f] - posDot) - neg[f] * (dneg[f] - negDot);
    for (int64_t d = 0; d < D; ++d) {
      float s = 0;
      for (int64_t f = 0; f < Fp; ++f)
        s += Wh[f * D + d] * dz[f];
      dx[d] = s;
    }
    if (dWh)
      for (int64_t f = 0; f < Fp; ++f)
        for (int64_t d = 0; d < D; ++d)
          dWh[f * D + d] += double(dz[f]) * x[d];
    return;
  }
  }
  throw std::invalid_argument("feature: unknown feature kind");
}

} // namespace ida::bench

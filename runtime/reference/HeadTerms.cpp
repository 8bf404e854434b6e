//===- runtime/reference/HeadTerms.cpp - per-token discretisation ---------===//
//
// The per-token scalars of spec §3 for one (batch, head): step delta, log
// decay, basis weights gamma, and the feature maps Q, K. Everything that is a
// state recurrence lives elsewhere.
//
// lambda = exp(A_log) = 0 exactly when A_log = -inf, which is how "no decay"
// (linear attention, spec §7) is expressed: loga = -delta * 0 = 0.
//
//===----------------------------------------------------------------------===//
#include "runtime/reference/Internal.h"

#include <algorithm>
#include <cmath>

namespace ida::ref::detail {

void basisWeights(BasisWeights kind, const double *g, int64_t N, double *gamma) {
  switch (kind) {
  case BasisWeights::Uniform:
    std::fill(gamma, gamma + N, 1.0 / static_cast<double>(N));
    return;
  case BasisWeights::Sigmoid:
    for (int64_t n = 0; n < N; ++n)
      gamma[n] = sigmoid(g[n]);
    return;
  case BasisWeights::Softmax: {
    double m = -INFINITY, sum = 0;
    for (int64_t n = 0; n < N; ++n)
      m = std::max(m, g[n]);
    for (int64_t n = 0; n < N; ++n)
      sum += gamma[n] = std::exp(g[n] - m);
    for (int64_t n = 0; n < N; ++n)
      gamma[n] /= sum;
    return;
  }
  }
}

void basisWeightsVjp(BasisWeights kind, const double *gamma, int64_t N,
                     const double *dgamma, double *dg) {
  switch (kind) {
  case BasisWeights::Uniform:
    return;
  case BasisWeights::Sigmoid:
    for (int64_t n = 0; n < N; ++n)
      dg[n] += dgamma[n] * gamma[n] * (1.0 - gamma[n]);
    return;
  case BasisWeights::Softmax: {
    double dot = 0;
    for (int64_t n = 0; n < N; ++n)
      dot += gamma[n] * dgamma[n];
    for (int64_t n = 0; n < N; ++n)
      dg[n] += gamma[n] * (dgamma[n] - dot);
    return;
  }
  }
}

const double *headWeights(const Config &cfg, const Inputs &in, const Dims &dims,
                          int64_t h) {
  if (!featureHasWeights(cfg.feature) || !in.W)
    return nullptr;
  return in.W->data.data() + h * cfg.featureParam * dims.D;
}

HeadTerms computeHeadTerms(const Config &cfg, const Inputs &in, const Dims &dims,
                           int64_t b, int64_t h) {
  const int64_t T = dims.T, H = dims.H, N = dims.N, F = dims.F, P = dims.P,
                D = dims.D;
  HeadTerms ht;
  ht.T = T, ht.N = N, ht.F = F, ht.P = P, ht.D = D;
  ht.x.resize(T);
  ht.delta.resize(T);
  ht.lambda.resize(N);
  ht.loga.resize(T * N);
  ht.gamma.resize(T * N);
  ht.q.resize(T * D);
  ht.k.resize(T * D);
  ht.Q.resize(T * F);
  ht.K.resize(T * F);
  ht.V.resize(T * P);

  for (int64_t n = 0; n < N; ++n)
    ht.lambda[n] = std::exp(in.A_log.data[h * N + n]);
  const double *Wh = headWeights(cfg, in, dims, h);
  const bool hasG = !in.g.data.empty();

  for (int64_t t = 0; t < T; ++t) {
    const int64_t bth = (b * T + t) * H + h;
    ht.x[t] = in.dt.data[bth] + in.dt_bias.data[h];
    ht.delta[t] = softplus(ht.x[t]);
    for (int64_t n = 0; n < N; ++n)
      ht.loga[t * N + n] = -ht.delta[t] * ht.lambda[n];
    basisWeights(cfg.basisWeights, hasG ? in.g.data.data() + bth * N : nullptr,
                 N, &ht.gamma[t * N]);
    std::copy_n(in.q.data.data() + bth * D, D, &ht.q[t * D]);
    std::copy_n(in.k.data.data() + bth * D, D, &ht.k[t * D]);
    std::vector<double> Qt = featureMap(cfg.feature, &ht.q[t * D], D, Wh, cfg.featureParam);
    std::vector<double> Kt = featureMap(cfg.feature, &ht.k[t * D], D, Wh, cfg.featureParam);
    std::copy(Qt.begin(), Qt.end(), &ht.Q[t * F]);
    std::copy(Kt.begin(), Kt.end(), &ht.K[t * F]);
    std::copy_n(in.v.data.data() + bth * P, P, &ht.V[t * P]);
  }
  return ht;
}

} // namespace ida::ref::detail

//===- runtime/reference/Backward.cpp - gradients of spec §6 --------------===//
//
// Reverse-mode through the recurrent forward, one (batch, head) at a time.
// The forward states S_0..S_T of the head are kept (memory (T+1)*N*F*P
// doubles per head, fine at reference sizes), then one reverse sweep carries
// dS[n] (and dZ[n]) backwards:
//   dS_t[n] = gamma_{t,n} Q_t dnum_t^T + a_{t+1,n} dS_{t+1}[n]
// and the per-token gradients are pushed through the chain rule: the
// normalize division, the outer-product update, the decay a = exp(-delta
// lambda), softplus, exp(A_log), the basis weights and the feature map.
// Summing dloga over the sweep gives spec §6's reverse cumulative sum
// without forming it explicitly.
//
//===----------------------------------------------------------------------===//
#include "runtime/reference/Internal.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ida::ref {

namespace {

void checkCotangents(const Config &cfg, const Dims &d, const Cotangents &ct) {
  detail::expectShape("dy", ct.dy, "[B, T, H, P]", {d.B, d.T, d.H, d.P});
  if (ct.dS_T)
    detail::expectShape("dS_T", *ct.dS_T, "[B, H, N, F, P]",
                        {d.B, d.H, d.N, d.F, d.P});
  if (ct.dZ_T) {
    if (!cfg.normalize)
      throw std::invalid_argument(
          "dZ_T: the normalizer state is only valid with normalize");
    detail::expectShape("dZ_T", *ct.dZ_T, "[B, H, N, F]", {d.B, d.H, d.N, d.F});
  }
}

/// Forward states of one head: S[t] for t = 0..T (S[0] the initial state),
/// and the readout numerator / denominator of every token.
struct HeadTrace {
  std::vector<double> S, Z; // [(T+1), N, F, P] and [(T+1), N, F]
  std::vector<double> num;  // [T, P]
  std::vector<double> den;  // [T]
};

HeadTrace traceHead(const Config &cfg, const Inputs &in, const Dims &d,
                    const detail::HeadTerms &ht, int64_t b, int64_t h) {
  const int64_t T = d.T, N = d.N, F = d.F, P = d.P;
  const int64_t nfp = N * F * P, nf = N * F;
  HeadTrace tr;
  tr.S.assign((T + 1) * nfp, 0.0);
  tr.Z.assign((T + 1) * nf, 0.0);
  tr.num.assign(T * P, 0.0);
  tr.den.assign(T, cfg.eps);
  if (in.S0)
    std::copy_n(in.S0->data.data() + (b * d.H + h) * nfp, nfp, tr.S.begin());
  if (in.Z0)
    std::copy_n(in.Z0->data.data() + (b * d.H + h) * nf, nf, tr.Z.begin());
  for (int64_t t = 0; t < T; ++t) {
    const double beta = ht.delta[t];
    const double *Q = &ht.Q[t * F], *K = &ht.K[t * F], *V = &ht.V[t * P];
    for (int64_t n = 0; n < N; ++n) {
      const double a = std::exp(ht.loga[t * N + n]);
      const double gamma = ht.gamma[t * N + n];
      const double *Sprev = &tr.S[t * nfp + n * F * P];
      double *Scur = &tr.S[(t + 1) * nfp + n * F * P];
      for (int64_t f = 0; f < F; ++f)
        for (int64_t p = 0; p < P; ++p) {
          Scur[f * P + p] = a * Sprev[f * P + p] + beta * K[f] * V[p];
          tr.num[t * P + p] += gamma * Scur[f * P + p] * Q[f];
        }
      const double *Zprev = &tr.Z[t * nf + n * F];
      double *Zcur = &tr.Z[(t + 1) * nf + n * F];
      for (int64_t f = 0; f < F; ++f) {
        Zcur[f] = a * Zprev[f] + beta * K[f];
        tr.den[t] += gamma * Zcur[f] * Q[f];
      }
    }
  }
  return tr;
}

} // namespace

Gradients backward(const Config &cfg, const Inputs &in, const Cotangents &ct) {
  const Dims d = checkInputs(cfg, in);
  checkCotangents(cfg, d, ct);
  const int64_t B = d.B, T = d.T, H = d.H, N = d.N, F = d.F, P = d.P, D = d.D;
  const int64_t nfp = N * F * P, nf = N * F;

  Gradients gr;
  gr.dq = Array(in.q.shape);
  gr.dk = Array(in.k.shape);
  gr.dv = Array(in.v.shape);
  gr.ddt = Array(in.dt.shape);
  gr.dg = Array(in.g.shape);
  gr.dA_log = Array(in.A_log.shape);
  gr.ddt_bias = Array(in.dt_bias.shape);
  if (in.W)
    gr.dW = Array(in.W->shape);
  if (in.S0)
    gr.dS0 = Array(in.S0->shape);
  if (in.Z0)
    gr.dZ0 = Array(in.Z0->shape);
  const bool hasG = !in.g.data.empty();

  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const detail::HeadTerms ht = detail::computeHeadTerms(cfg, in, d, b, h);
      const HeadTrace tr = traceHead(cfg, in, d, ht, b, h);
      const double *Wh = detail::headWeights(cfg, in, d, h);
      double *dWh = in.W ? gr.dW.data.data() + h * cfg.featureParam * D : nullptr;

      // Gradient carried into S_t / Z_t from later tokens.
      std::vector<double> dS(nfp, 0.0), dZ(nf, 0.0);
      if (ct.dS_T)
        std::copy_n(ct.dS_T->data.data() + (b * H + h) * nfp, nfp, dS.begin());
      if (ct.dZ_T)
        std::copy_n(ct.dZ_T->data.data() + (b * H + h) * nf, nf, dZ.begin());
      std::vector<double> dlambda(N, 0.0);

      for (int64_t t = T - 1; t >= 0; --t) {
        const int64_t bth = (b * T + t) * H + h;
        const double beta = ht.delta[t];
        const double *Q = &ht.Q[t * F], *K = &ht.K[t * F], *V = &ht.V[t * P];
        const double *dy = &ct.dy.data[bth * P];

        // y = num / den (or y = num): split dy into dnum and dden.
        std::vector<double> dnum(dy, dy + P);
        double dden = 0;
        if (cfg.normalize) {
          const double den = tr.den[t];
          double dyDotNum = 0;
          for (int64_t p = 0; p < P; ++p) {
            dyDotNum += dy[p] * tr.num[t * P + p];
            dnum[p] = dy[p] / den;
          }
          dden = -dyDotNum / (den * den);
        }

        // Readout: num = sum_n gamma_n S_t[n]^T Q, den = sum_n gamma_n Z_t[n].Q.
        std::vector<double> dQ(F, 0.0), dgamma(N, 0.0);
        for (int64_t n = 0; n < N; ++n) {
          const double gamma = ht.gamma[t * N + n];
          const double *Sn = &tr.S[(t + 1) * nfp + n * F * P];
          double *dSn = &dS[n * F * P];
          for (int64_t f = 0; f < F; ++f) {
            double sDotDnum = 0;
            for (int64_t p = 0; p < P; ++p) {
              sDotDnum += Sn[f * P + p] * dnum[p];
              dSn[f * P + p] += gamma * Q[f] * dnum[p];
            }
            dQ[f] += gamma * sDotDnum;
            dgamma[n] += Q[f] * sDotDnum;
          }
          if (cfg.normalize) {
            const double *Zn = &tr.Z[(t + 1) * nf + n * F];
            for (int64_t f = 0; f < F; ++f) {
              dZ[n * F + f] += gamma * Q[f] * dden;
              dQ[f] += gamma * Zn[f] * dden;
              dgamma[n] += Zn[f] * Q[f] * dden;
            }
          }
        }

        // Update: S_t = a S_{t-1} + beta K V^T (and Z_t = a Z_{t-1} + beta K).
        std::vector<double> dK(F, 0.0), dV(P, 0.0), dloga(N, 0.0);
        double dbeta = 0;
        for (int64_t n = 0; n < N; ++n) {
          const double a = std::exp(ht.loga[t * N + n]);
          const double *Sprev = &tr.S[t * nfp + n * F * P];
          double *dSn = &dS[n * F * P];
          double da = 0;
          for (int64_t f = 0; f < F; ++f) {
            double dSV = 0;
            for (int64_t p = 0; p < P; ++p) {
              const double g = dSn[f * P + p];
              dSV += g * V[p];
              dV[p] += beta * g * K[f];
              da += g * Sprev[f * P + p];
              dSn[f * P + p] = a * g; // now the gradient reaching S_{t-1}
            }
            dK[f] += beta * dSV;
            dbeta += K[f] * dSV;
          }
          if (cfg.normalize) {
            const double *Zprev = &tr.Z[t * nf + n * F];
            for (int64_t f = 0; f < F; ++f) {
              const double g = dZ[n * F + f];
              dK[f] += beta * g;
              dbeta += K[f] * g;
              da += g * Zprev[f];
              dZ[n * F + f] = a * g;
            }
          }
          dloga[n] = a * da;
        }

        // loga = -delta * lambda, beta = delta = softplus(dt + dt_bias).
        double ddelta = dbeta;
        for (int64_t n = 0; n < N; ++n) {
          ddelta -= ht.lambda[n] * dloga[n];
          dlambda[n] -= ht.delta[t] * dloga[n];
        }
        const double dx = ddelta * detail::sigmoid(ht.x[t]);
        gr.ddt.data[bth] = dx;
        gr.ddt_bias.data[h] += dx;

        if (hasG)
          detail::basisWeightsVjp(cfg.basisWeights, &ht.gamma[t * N], N,
                                  dgamma.data(), &gr.dg.data[bth * N]);
        detail::featureMapVjp(cfg.feature, &ht.q[t * D], D, Wh, cfg.featureParam,
                              dQ.data(), &gr.dq.data[bth * D], dWh);
        detail::featureMapVjp(cfg.feature, &ht.k[t * D], D, Wh, cfg.featureParam,
                              dK.data(), &gr.dk.data[bth * D], dWh);
        std::copy(dV.begin(), dV.end(), &gr.dv.data[bth * P]);
      }

      // lambda = exp(A_log); lambda = 0 (A_log = -inf) gives dA_log = 0.
      for (int64_t n = 0; n < N; ++n)
        gr.dA_log.data[h * N + n] +=
            ht.lambda[n] == 0.0 ? 0.0 : ht.lambda[n] * dlambda[n];
      if (in.S0)
        std::copy(dS.begin(), dS.end(), gr.dS0.data.begin() + (b * H + h) * nfp);
      if (in.Z0)
        std::copy(dZ.begin(), dZ.end(), gr.dZ0.data.begin() + (b * H + h) * nf);
    }
  return gr;
}

} // namespace ida::ref

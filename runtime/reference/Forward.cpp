//===- runtime/reference/Forward.cpp - recurrent forward, spec §3 ---------===//
//
// The ground truth: one token at a time, state S[n] [F, P] per basis function
// (and the normalizer Z[n] [F] with normalize), exactly as spec §3 writes it.
//
//===----------------------------------------------------------------------===//
#include "runtime/reference/Internal.h"

#include <algorithm>
#include <cmath>

namespace ida::ref {

Outputs forward(const Config &cfg, const Inputs &in) {
  const Dims d = checkInputs(cfg, in);
  const int64_t B = d.B, T = d.T, H = d.H, N = d.N, F = d.F, P = d.P;
  Outputs out;
  out.y = Array({B, T, H, P});
  out.S_T = Array({B, H, N, F, P});
  if (cfg.normalize)
    out.Z_T = Array({B, H, N, F});

  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const detail::HeadTerms ht = detail::computeHeadTerms(cfg, in, d, b, h);
      const int64_t stateBase = (b * H + h) * N * F * P;
      const int64_t normBase = (b * H + h) * N * F;
      std::vector<double> S(N * F * P, 0.0), Z(N * F, 0.0);
      if (in.S0)
        std::copy_n(in.S0->data.data() + stateBase, N * F * P, S.begin());
      if (in.Z0)
        std::copy_n(in.Z0->data.data() + normBase, N * F, Z.begin());

      for (int64_t t = 0; t < T; ++t) {
        const double beta = ht.delta[t];
        const double *Q = &ht.Q[t * F], *K = &ht.K[t * F], *V = &ht.V[t * P];
        std::vector<double> num(P, 0.0);
        double den = cfg.eps;
        for (int64_t n = 0; n < N; ++n) {
          const double a = std::exp(ht.loga[t * N + n]);
          const double gamma = ht.gamma[t * N + n];
          double *Sn = &S[n * F * P];
          for (int64_t f = 0; f < F; ++f) {
            for (int64_t p = 0; p < P; ++p) {
              Sn[f * P + p] = a * Sn[f * P + p] + beta * K[f] * V[p];
              num[p] += gamma * Sn[f * P + p] * Q[f];
            }
          }
          if (cfg.normalize) {
            double *Zn = &Z[n * F];
            for (int64_t f = 0; f < F; ++f) {
              Zn[f] = a * Zn[f] + beta * K[f];
              den += gamma * Zn[f] * Q[f];
            }
          }
        }
        double *y = &out.y.data[((b * T + t) * H + h) * P];
        for (int64_t p = 0; p < P; ++p)
          y[p] = cfg.normalize ? num[p] / den : num[p];
      }
      std::copy(S.begin(), S.end(), out.S_T.data.begin() + stateBase);
      if (cfg.normalize)
        std::copy(Z.begin(), Z.end(), out.Z_T.data.begin() + normBase);
    }
  return out;
}

} // namespace ida::ref

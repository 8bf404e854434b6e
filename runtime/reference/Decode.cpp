//===- runtime/reference/Decode.cpp - one-token decode step, spec §8 ------===//
//
// S <- exp(loga) S + beta K V^T, y = sum_n gamma_n S[n]^T Q, applied to a
// carried state in place (Z likewise with normalize). The step's own S0/Z0
// fields must be absent: the carried S/Z arguments are the state.
//
//===----------------------------------------------------------------------===//
#include "runtime/reference/Internal.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ida::ref {

Array decodeStep(const Config &cfg, const Inputs &step, Array &S, Array *Z) {
  const Dims d = checkInputs(cfg, step);
  if (d.T != 1)
    throw std::invalid_argument("q: decode step expects one token, shape "
                                "[B, 1, H, D], got " + step.q.shapeString());
  if (step.S0 || step.Z0)
    throw std::invalid_argument(
        "S0: decode step carries its state in S (and Z); pass no S0/Z0");
  const int64_t B = d.B, H = d.H, N = d.N, F = d.F, P = d.P;
  detail::expectShape("S", S, "[B, H, N, F, P]", {B, H, N, F, P});
  if (cfg.normalize) {
    if (!Z)
      throw std::invalid_argument("Z: required with normalize, expected shape "
                                  "[B, H, N, F] = " +
                                  detail::formatShape({B, H, N, F}));
    detail::expectShape("Z", *Z, "[B, H, N, F]", {B, H, N, F});
  }

  Array y({B, 1, H, P});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const detail::HeadTerms ht = detail::computeHeadTerms(cfg, step, d, b, h);
      double *Sbh = &S.data[(b * H + h) * N * F * P];
      double *Zbh = cfg.normalize ? &Z->data[(b * H + h) * N * F] : nullptr;
      double *yb = &y.data[(b * H + h) * P];
      const double beta = ht.delta[0];
      double den = cfg.eps;
      for (int64_t n = 0; n < N; ++n) {
        const double a = std::exp(ht.loga[n]), gamma = ht.gamma[n];
        for (int64_t f = 0; f < F; ++f) {
          for (int64_t p = 0; p < P; ++p) {
            double &s = Sbh[(n * F + f) * P + p];
            s = a * s + beta * ht.K[f] * ht.V[p];
            yb[p] += gamma * s * ht.Q[f];
          }
          if (Zbh) {
            double &z = Zbh[n * F + f];
            z = a * z + beta * ht.K[f];
            den += gamma * z * ht.Q[f];
          }
        }
      }
      if (cfg.normalize)
        for (int64_t p = 0; p < P; ++p)
          yb[p] /= den;
    }
  return y;
}

} // namespace ida::ref

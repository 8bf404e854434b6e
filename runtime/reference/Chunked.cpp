//===- runtime/reference/Chunked.cpp - chunked forward, spec §5 -----------===//
//
// The algebra fast kernels use, in float64, written independently of the
// recurrence in Forward.cpp: inside each chunk the output is a masked C x C
// product plus a read of the state entering the chunk, and the state jumps
// from chunk to chunk. Every decay factor is exp(L_i - L_j) of a difference
// of inclusive cumulative sums (<= 1 for j <= i), never a ratio of
// exponentials, so long chunks with strong decay cannot overflow. The last
// chunk may be shorter than C.
//
//===----------------------------------------------------------------------===//
#include "runtime/reference/Internal.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ida::ref {

Outputs forwardChunked(const Config &cfg, const Inputs &in, int64_t C) {
  const Dims d = checkInputs(cfg, in);
  if (C < 1)
    throw std::invalid_argument("C: chunk length must be >= 1, got " +
                                std::to_string(C));
  const int64_t B = d.B, T = d.T, H = d.H, N = d.N, F = d.F, P = d.P;
  const int64_t nfp = N * F * P, nf = N * F;
  Outputs out;
  out.y = Array({B, T, H, P});
  out.S_T = Array({B, H, N, F, P});
  if (cfg.normalize)
    out.Z_T = Array({B, H, N, F});

  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const detail::HeadTerms ht = detail::computeHeadTerms(cfg, in, d, b, h);
      std::vector<double> S(nfp, 0.0), Z(nf, 0.0);
      if (in.S0)
        std::copy_n(in.S0->data.data() + (b * H + h) * nfp, nfp, S.begin());
      if (in.Z0)
        std::copy_n(in.Z0->data.data() + (b * H + h) * nf, nf, Z.begin());

      for (int64_t t0 = 0; t0 < T; t0 += C) {
        const int64_t c = std::min(C, T - t0);
        // L[i, n]: inclusive cumulative sum of loga inside the chunk.
        std::vector<double> L(c * N);
        for (int64_t i = 0; i < c; ++i)
          for (int64_t n = 0; n < N; ++n)
            L[i * N + n] = ht.loga[(t0 + i) * N + n] + (i ? L[(i - 1) * N + n] : 0.0);

        for (int64_t i = 0; i < c; ++i) {
          const int64_t ti = t0 + i;
          const double *Qi = &ht.Q[ti * F];
          std::vector<double> num(P, 0.0);
          double den = cfg.eps;
          // Intra-chunk: sum_{j <= i} (Q_i . K_j) M_ij V_j.
          for (int64_t j = 0; j <= i; ++j) {
            const int64_t tj = t0 + j;
            double M = 0;
            for (int64_t n = 0; n < N; ++n)
              M += ht.gamma[ti * N + n] * ht.delta[tj] *
                   std::exp(L[i * N + n] - L[j * N + n]);
            double qk = 0;
            for (int64_t f = 0; f < F; ++f)
              qk += Qi[f] * ht.K[tj * F + f];
            for (int64_t p = 0; p < P; ++p)
              num[p] += qk * M * ht.V[tj * P + p];
            den += qk * M;
          }
          // Inter-chunk: read of the state entering the chunk.
          for (int64_t n = 0; n < N; ++n) {
            const double w = ht.gamma[ti * N + n] * std::exp(L[i * N + n]);
            for (int64_t f = 0; f < F; ++f) {
              for (int64_t p = 0; p < P; ++p)
                num[p] += w * S[(n * F + f) * P + p] * Qi[f];
              den += w * Z[n * F + f] * Qi[f];
            }
          }
          double *y = &out.y.data[((b * T + ti) * H + h) * P];
          for (int64_t p = 0; p < P; ++p)
            y[p] = cfg.normalize ? num[p] / den : num[p];
        }

        // State jump to the end of the chunk.
        const int64_t last = c - 1;
        for (int64_t n = 0; n < N; ++n) {
          const double carry = std::exp(L[last * N + n]);
          for (int64_t x = 0; x < F * P; ++x)
            S[n * F * P + x] *= carry;
          for (int64_t f = 0; f < F; ++f)
            Z[n * F + f] *= carry;
          for (int64_t j = 0; j < c; ++j) {
            const int64_t tj = t0 + j;
            const double w = ht.delta[tj] * std::exp(L[last * N + n] - L[j * N + n]);
            for (int64_t f = 0; f < F; ++f) {
              const double wk = w * ht.K[tj * F + f];
              for (int64_t p = 0; p < P; ++p)
                S[(n * F + f) * P + p] += wk * ht.V[tj * P + p];
              Z[n * F + f] += wk;
            }
          }
        }
      }
      std::copy(S.begin(), S.end(), out.S_T.data.begin() + (b * H + h) * nfp);
      if (cfg.normalize)
        std::copy(Z.begin(), Z.end(), out.Z_T.data.begin() + (b * H + h) * nf);
    }
  return out;
}

} // namespace ida::ref

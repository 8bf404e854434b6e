//===- runtime/bench/UnfusedBackward.cpp - chain rule, one pass per piece -===//
//
// The backward of Unfused.cpp's forward (same notation), pass by pass, each
// the transpose of a forward pass:
//   outputs      dY (with normalize: through y = num / (den + eps))
//   intra        dPm = dY V^T (masked), dV = Pm^T dY, dA = dPm o M,
//                dQ = dA K, dK = dA^T Q, and dM = dPm o A into dgamma,
//                dbeta and dL
//   inter        R = dY S_in[n]^T -> dQ, dgamma, dL; dS_read = Qw^T dY
//   scan         reverse scan over chunks: G(chunk c) is the gradient of the
//                state leaving it; G(c-1) = exp(L_last) G(c) + dS_read(c)
//   local states KG = K G[n], VG = V G[n]^T -> dV, dK, dbeta, dL
//   decays       dloga = in-chunk reverse cumsum of dL; then softplus,
//                exp(A_log), the basis weights
//   features     phi's vector-Jacobian products -> dq, dk (and dW)
// A decay exp(L_i - L_j) depends on loga at the steps j < t <= i only: its
// gradient goes straight to those steps (prefix sums over pairs), rather
// than +x to L_i and -x to L_j, which a reverse cumulative sum would cancel
// with fp32 rounding noise of the size of x.
//
//===----------------------------------------------------------------------===//
#include "runtime/bench/Unfused.h"

#include "runtime/bench/Pointwise.h"
#include "runtime/nn/Blas.h"

#include <algorithm>
#include <cmath>

namespace ida::bench {

namespace {

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float *A,
          int64_t lda, const float *B, int64_t ldb, float beta, float *C,
          int64_t ldc) {
  nn::gemm<float>(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
}

float dot(const float *a, const float *b, int64_t n) {
  float s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += a[i] * b[i];
  return s;
}

} // namespace

void UnfusedChunked::allocateBackward() {
  if (!dY_.empty())
    return;
  const int64_t tokens = BH_ * p_.T, state = p_.N * F_ * Pa_;
  dY_.resize(tokens * Pa_);
  dV_.resize(tokens * Pa_);
  dQ_.resize(tokens * F_);
  dK_.resize(tokens * F_);
  dgamma_.resize(tokens * p_.N);
  dL_.resize(tokens * p_.N);
  dlogaPairs_.resize(tokens * p_.N);
  dbeta_.resize(tokens);
  dSread_.resize(BH_ * nc_ * state);
  dSout_.resize(BH_ * nc_ * state);
  dlambda_.resize(BH_ * p_.N);
  dxSum_.resize(BH_);
  dW_.resize(BH_ * p_.cfg.featureParam * p_.D);
}

void UnfusedChunked::outputGrads(const float *dy) {
  const int64_t T = p_.T, H = p_.H, P = p_.P;
  const bool norm = p_.cfg.normalize;
  const float eps = static_cast<float>(p_.cfg.eps);
#pragma omp parallel for collapse(2) num_threads(threads_)
  for (int64_t bh = 0; bh < BH_; ++bh)
    for (int64_t t = 0; t < T; ++t) {
      const int64_t row = bh * T + t, bth = ((bh / H) * T + t) * H + bh % H;
      const float *g = dy + bth * P, *Y = &Y_[row * Pa_];
      float *dY = &dY_[row * Pa_];
      if (!norm) {
        std::copy_n(g, P, dY);
        continue;
      }
      // y = num / den, den = Y[P] + eps: dnum = dy / den,
      // dden = -sum_p dy_p num_p / den^2.
      const float den = Y[P] + eps;
      for (int64_t p = 0; p < P; ++p)
        dY[p] = g[p] / den;
      dY[P] = -dot(g, Y, P) / (den * den);
    }
}

void UnfusedChunked::intraGrads() {
  const int64_t T = p_.T, N = p_.N, C = p_.C;
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> dPm(C * C), dA(C * C), E(N * C * C);
#pragma omp for collapse(2) schedule(dynamic)
    for (int64_t bh = 0; bh < BH_; ++bh)
      for (int64_t c = 0; c < nc_; ++c) {
        const int64_t len = chunkLen(c), row = bh * T + c * C,
                      base = (bh * nc_ + c) * C * C;
        const float *A = &A_[base], *M = &M_[base], *L = &L_[row * N],
                    *gamma = &gamma_[row * N], *beta = &delta_[row];
        gemm(false, true, len, len, Pa_, &dY_[row * Pa_], Pa_, &V_[row * Pa_],
             Pa_, 0, dPm.data(), C);
        gemm(true, false, len, Pa_, len, &Pm_[base], C, &dY_[row * Pa_], Pa_, 0,
             &dV_[row * Pa_], Pa_);
        for (int64_t i = 0; i < len; ++i)
          for (int64_t j = 0; j < len; ++j)
            dA[i * C + j] = j <= i ? dPm[i * C + j] * M[i * C + j] : 0.0f;
        gemm(false, false, len, F_, len, dA.data(), C, &K_[row * F_], F_, 0,
             &dQ_[row * F_], F_);
        gemm(true, false, len, F_, len, dA.data(), C, &Q_[row * F_], F_, 0,
             &dK_[row * F_], F_);
        // dM = dPm o A through M_ij = sum_n gamma_in beta_j exp(L_in - L_jn).
        // L_i - L_j is the sum of loga over the steps t with j < t <= i, so
        // each pair's term goes straight to the dloga of the steps it spans
        // (prefix sums over j): no +x at i and -x at j that a later reverse
        // cumulative sum would cancel in fp32.
        float *dgamma = &dgamma_[row * N], *dbeta = &dbeta_[row];
        std::fill(dgamma, dgamma + len * N, 0.0f);
        std::fill(dbeta, dbeta + len, 0.0f);
        std::fill_n(dL_.data() + row * N, len * N, 0.0f);
        std::fill_n(dlogaPairs_.data() + row * N, len * N, 0.0f);
        for (int64_t i = 0; i < len; ++i)
          for (int64_t j = 0; j <= i; ++j) {
            const float dM = dPm[i * C + j] * A[i * C + j];
            for (int64_t n = 0; n < N; ++n) {
              const float e = dM * std::exp(L[i * N + n] - L[j * N + n]);
              const float eg = e * gamma[i * N + n];
              dgamma[i * N + n] += e * beta[j];
              dbeta[j] += eg;
              E[(n * C + i) * C + j] = eg * beta[j];
            }
          }
        for (int64_t n = 0; n < N; ++n)
          for (int64_t i = 1; i < len; ++i) {
            const float *Ei = &E[(n * C + i) * C];
            float spanning = 0; // sum of E_ij over j < t
            for (int64_t t = 1; t <= i; ++t) {
              spanning += Ei[t - 1];
              dlogaPairs_[(row + t) * N + n] += spanning;
            }
          }
      }
  }
}

void UnfusedChunked::interGrads() {
  const int64_t T = p_.T, N = p_.N, C = p_.C, state = N * F_ * Pa_;
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> R(C * F_), Qw(C * F_);
#pragma omp for collapse(2) schedule(dynamic)
    for (int64_t bh = 0; bh < BH_; ++bh)
      for (int64_t c = 0; c < nc_; ++c) {
        const int64_t len = chunkLen(c), row = bh * T + c * C;
        const float *S = &Sin_[(bh * (nc_ + 1) + c) * state];
        for (int64_t n = 0; n < N; ++n) {
          const float *Sn = S + n * F_ * Pa_;
          gemm(false, true, len, F_, Pa_, &dY_[row * Pa_], Pa_, Sn, Pa_, 0,
               R.data(), F_);
          for (int64_t i = 0; i < len; ++i) {
            const int64_t tn = (row + i) * N + n;
            const float e = std::exp(L_[tn]), w = gamma_[tn] * e;
            const float *Qi = &Q_[(row + i) * F_], *Ri = &R[i * F_];
            const float rq = dot(Ri, Qi, F_);
            dgamma_[tn] += e * rq;
            dL_[tn] += w * rq;
            float *dQi = &dQ_[(row + i) * F_];
            for (int64_t f = 0; f < F_; ++f) {
              dQi[f] += w * Ri[f];
              Qw[i * F_ + f] = w * Qi[f];
            }
          }
          gemm(true, false, F_, Pa_, len, Qw.data(), F_, &dY_[row * Pa_], Pa_,
               0, &dSread_[((bh * nc_ + c) * N + n) * F_ * Pa_], Pa_);
        }
      }
  }
}

void UnfusedChunked::scanGrads(const float *dS_T, const float *dZ_T,
                               const UnfusedGradients &g) {
  const int64_t T = p_.T, N = p_.N, C = p_.C, P = p_.P, FP = F_ * Pa_,
                state = N * FP;
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> G(state);
#pragma omp for
    for (int64_t bh = 0; bh < BH_; ++bh) {
      std::fill(G.begin(), G.end(), 0.0f);
      for (int64_t nf = 0; nf < N * F_; ++nf) {
        if (dS_T)
          std::copy_n(dS_T + (bh * N * F_ + nf) * P, P, &G[nf * Pa_]);
        if (dZ_T && Pa_ > P)
          G[nf * Pa_ + P] = dZ_T[bh * N * F_ + nf];
      }
      for (int64_t c = nc_ - 1; c >= 0; --c) {
        const int64_t last = bh * T + c * C + chunkLen(c) - 1;
        const float *S = &Sin_[(bh * (nc_ + 1) + c) * state];
        const float *dSread = &dSread_[(bh * nc_ + c) * state];
        std::copy(G.begin(), G.end(), &dSout_[(bh * nc_ + c) * state]);
        for (int64_t n = 0; n < N; ++n) {
          const float a = std::exp(L_[last * N + n]);
          dL_[last * N + n] += a * dot(&G[n * FP], S + n * FP, FP);
          for (int64_t x = n * FP; x < (n + 1) * FP; ++x)
            G[x] = a * G[x] + dSread[x];
        }
      }
      for (int64_t nf = 0; nf < N * F_; ++nf) {
        if (g.dS0)
          std::copy_n(&G[nf * Pa_], P, g.dS0 + (bh * N * F_ + nf) * P);
        if (g.dZ0 && Pa_ > P)
          g.dZ0[bh * N * F_ + nf] = G[nf * Pa_ + P];
      }
    }
  }
}

void UnfusedChunked::chunkStateGrads() {
  const int64_t T = p_.T, N = p_.N, C = p_.C, state = N * F_ * Pa_;
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> KG(C * Pa_), VG(C * F_);
#pragma omp for collapse(2) schedule(dynamic)
    for (int64_t bh = 0; bh < BH_; ++bh)
      for (int64_t c = 0; c < nc_; ++c) {
        const int64_t len = chunkLen(c), row = bh * T + c * C;
        for (int64_t n = 0; n < N; ++n) {
          const float *G = &dSout_[(bh * nc_ + c) * state + n * F_ * Pa_];
          gemm(false, false, len, Pa_, F_, &K_[row * F_], F_, G, Pa_, 0,
               KG.data(), Pa_);
          gemm(false, true, len, F_, Pa_, &V_[row * Pa_], Pa_, G, Pa_, 0,
               VG.data(), F_);
          const float last = L_[(row + len - 1) * N + n];
          // exp(L_last - L_j) spans the steps t with j < t <= last: step t
          // collects the terms of every earlier j (a prefix sum).
          float spanning = 0;
          for (int64_t j = 0; j < len; ++j) {
            const int64_t tj = row + j;
            const float ex = std::exp(last - L_[tj * N + n]),
                        w = delta_[tj] * ex;
            const float s = dot(&KG[j * Pa_], &V_[tj * Pa_], Pa_);
            for (int64_t p = 0; p < Pa_; ++p)
              dV_[tj * Pa_ + p] += w * KG[j * Pa_ + p];
            for (int64_t f = 0; f < F_; ++f)
              dK_[tj * F_ + f] += w * VG[j * F_ + f];
            dbeta_[tj] += ex * s;
            dlogaPairs_[tj * N + n] += spanning;
            spanning += w * s;
          }
        }
      }
  }
}

void UnfusedChunked::decayAndWeightGrads(const UnfusedGradients &g) {
  const int64_t T = p_.T, H = p_.H, N = p_.N, C = p_.C;
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> dg(N);
    std::vector<double> dloga(T * N), run(N);
#pragma omp for
    for (int64_t bh = 0; bh < BH_; ++bh) {
      const int64_t b = bh / H, h = bh % H;
      // dloga: the pair terms as they are, plus dL (the terms through one
      // L_i: state reads and the decay of the entering state) summed back,
      // since loga_j enters every L_i with i >= j of its chunk. Sums from
      // here down to ddt_bias and dA_log are kept in double.
      for (int64_t c = 0; c < nc_; ++c) {
        const int64_t row = bh * T + c * C;
        std::fill(run.begin(), run.end(), 0.0);
        for (int64_t i = chunkLen(c) - 1; i >= 0; --i)
          for (int64_t n = 0; n < N; ++n)
            dloga[(c * C + i) * N + n] = (run[n] += dL_[(row + i) * N + n]) +
                                         dlogaPairs_[(row + i) * N + n];
      }
      double *dlam = &dlambda_[bh * N], dxSum = 0;
      std::fill(dlam, dlam + N, 0.0);
      for (int64_t t = 0; t < T; ++t) {
        const int64_t row = bh * T + t, bth = (b * T + t) * H + h;
        // loga = -delta lambda, beta = delta = softplus(dt + dt_bias).
        double ddelta = dbeta_[row];
        for (int64_t n = 0; n < N; ++n) {
          ddelta -= double(lambda_[h * N + n]) * dloga[t * N + n];
          dlam[n] -= double(delta_[row]) * dloga[t * N + n];
        }
        const double dx = ddelta * sigmoidf(x_[row]);
        if (g.ddt)
          g.ddt[bth] = static_cast<float>(dx);
        dxSum += dx;
        if (g.dg) {
          basisWeightsVjp32(p_.cfg.basisWeights, &gamma_[row * N], N,
                            &dgamma_[row * N], dg.data());
          std::copy(dg.begin(), dg.end(), g.dg + bth * N);
        }
      }
      dxSum_[bh] = dxSum;
    }
  }
  // Reductions over the batch, in double: B * T terms of both signs.
  for (int64_t h = 0; h < H; ++h) {
    double sum = 0;
    for (int64_t b = 0; b < p_.B; ++b)
      sum += dxSum_[b * H + h];
    if (g.ddt_bias)
      g.ddt_bias[h] = static_cast<float>(sum);
    for (int64_t n = 0; n < N; ++n) {
      double dl = 0;
      for (int64_t b = 0; b < p_.B; ++b)
        dl += dlambda_[(b * H + h) * N + n];
      // d/dA_log = lambda d/dlambda; no decay (lambda = 0) reports 0.
      if (g.dA_log)
        g.dA_log[h * N + n] = static_cast<float>(lambda_[h * N + n] * dl);
    }
  }
}

void UnfusedChunked::featureGrads(const UnfusedInputs &in,
                                  const UnfusedGradients &g) {
  const int64_t T = p_.T, H = p_.H, D = p_.D, P = p_.P,
                Fp = p_.cfg.featureParam, wSize = Fp * D;
  const bool weighted = in.W && ref::featureHasWeights(p_.cfg.feature);
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> scratch(featureScratchSize(D, Fp));
#pragma omp for
    for (int64_t bh = 0; bh < BH_; ++bh) {
      const int64_t b = bh / H, h = bh % H;
      const float *Wh = weighted ? in.W + h * wSize : nullptr;
      double *dWh = weighted ? &dW_[bh * wSize] : nullptr;
      if (dWh)
        std::fill(dWh, dWh + wSize, 0.0);
      for (int64_t t = 0; t < T; ++t) {
        const int64_t row = bh * T + t, bth = (b * T + t) * H + h;
        if (g.dq)
          featureMapVjp32(p_.cfg.feature, in.q + bth * D, D, Wh, Fp,
                          &dQ_[row * F_], g.dq + bth * D, dWh, scratch.data());
        if (g.dk)
          featureMapVjp32(p_.cfg.feature, in.k + bth * D, D, Wh, Fp,
                          &dK_[row * F_], g.dk + bth * D, dWh, scratch.data());
        if (g.dv)
          std::copy_n(&dV_[row * Pa_], P, g.dv + bth * P);
      }
    }
  }
  if (weighted && g.dW)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t x = 0; x < wSize; ++x) {
        double sum = 0;
        for (int64_t b = 0; b < p_.B; ++b)
          sum += dW_[(b * H + h) * wSize + x];
        g.dW[h * wSize + x] = static_cast<float>(sum);
      }
}

void UnfusedChunked::backward(const UnfusedInputs &in, const float *dy,
                              const float *dS_T, const float *dZ_T,
                              const UnfusedGradients &grads) {
  require(dy, "dy");
  allocateBackward();
  forwardPasses(in); // the entry takes inputs only: recompute, keep all
  outputGrads(dy);
  intraGrads();
  interGrads();
  scanGrads(dS_T, dZ_T, grads);
  chunkStateGrads();
  decayAndWeightGrads(grads);
  featureGrads(in, grads);
}

} // namespace ida::bench

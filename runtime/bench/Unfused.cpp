//===- runtime/bench/Unfused.cpp - fp32 chunked IDA, one pass per piece ---===//
//
// Notation inside one (batch, head) and one chunk of `len` local steps i, j:
// Q, K [len, F] (feature maps), V [len, Pa] (values, plus a ones column with
// normalize), gamma and L [len, N] (basis weights, inclusive cumulative log
// decays), beta = delta [len]:
//   A  = Q K^T                                  scores          [len, len]
//   M  = sum_n gamma_in beta_j exp(L_in - L_jn) decay mask      (j <= i)
//   Pm = A o M                                   masked scores
//   Y  = Pm V + sum_n diag(gamma_n exp(L_n)) Q S_in[n]
//   U[n] = sum_j beta_j exp(L_last,n - L_jn) K_j V_j^T          local state
//   S_in(next chunk)[n] = exp(L_last,n) S_in[n] + U[n]
// Decays are exponentials of differences of cumulative sums (<= 1), never
// ratios (spec §5).
//
//===----------------------------------------------------------------------===//
#include "runtime/bench/Unfused.h"

#include "runtime/bench/Pointwise.h"
#include "runtime/nn/Blas.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

// OpenBLAS's own pthread pool would compete with the OpenMP passes below for
// the same cores on products above its threading threshold (normalize makes
// some just cross it); one BLAS thread per OpenMP thread is what we want.
// Weak, so any other CBLAS provider links too.
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace ida::bench {

namespace {

/// C = A B (beta 0) or C += A B (beta 1), row-major, through OpenBLAS.
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float *A,
          int64_t lda, const float *B, int64_t ldb, float beta, float *C,
          int64_t ldc) {
  nn::gemm<float>(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
}

} // namespace

void UnfusedChunked::require(const void *p, const char *name) {
  if (!p)
    throw std::invalid_argument(std::string("unfused chunked IDA: ") + name +
                                " is required");
}

void UnfusedChunked::checkInputs(const UnfusedInputs &in) const {
  for (auto [ptr, name] : {std::pair<const void *, const char *>{in.q, "q"},
                           {in.k, "k"},
                           {in.v, "v"},
                           {in.dt, "dt"},
                           {in.A_log, "A_log"},
                           {in.dt_bias, "dt_bias"}})
    require(ptr, name);
  if (p_.cfg.basisWeights != ref::BasisWeights::Uniform)
    require(in.g, "g");
  if (ref::featureHasWeights(p_.cfg.feature))
    require(in.W, "W");
}

UnfusedChunked::UnfusedChunked(const UnfusedProblem &p, int threads)
    : p_(p), threads_(threads > 0 ? threads : omp_get_max_threads()) {
  if (p.B < 1 || p.T < 1 || p.H < 1 || p.D < 1 || p.P < 1 || p.N < 1 || p.C < 1)
    throw std::invalid_argument(
        "unfused chunked IDA: B, T, H, D, P, N and C must be >= 1");
  if (ref::featureHasWeights(p.cfg.feature) && p.cfg.featureParam < 1)
    throw std::invalid_argument("unfused chunked IDA: feature map " +
                                std::string(featureKindName(p.cfg.feature)) +
                                " needs F' >= 1");
  F_ = ref::featureDim(p.cfg.feature, p.D, p.cfg.featureParam);
  Pa_ = p.P + (p.cfg.normalize ? 1 : 0);
  BH_ = p.B * p.H;
  nc_ = (p.T + p.C - 1) / p.C;
  const int64_t tokens = BH_ * p.T, cc = BH_ * nc_ * p.C * p.C,
                state = p.N * F_ * Pa_;
  lambda_.resize(p.H * p.N);
  x_.resize(tokens);
  delta_.resize(tokens);
  gamma_.resize(tokens * p.N);
  L_.resize(tokens * p.N);
  Q_.resize(tokens * F_);
  K_.resize(tokens * F_);
  V_.resize(tokens * Pa_);
  A_.resize(cc);
  M_.resize(cc);
  Pm_.resize(cc);
  Y_.resize(tokens * Pa_);
  U_.resize(BH_ * nc_ * state);
  Sin_.resize(BH_ * (nc_ + 1) * state);
  if (openblas_set_num_threads)
    openblas_set_num_threads(1);
}

int64_t UnfusedChunked::chunkLen(int64_t c) const {
  return std::min(p_.C, p_.T - c * p_.C);
}

// --- forward passes ---------------------------------------------------------

void UnfusedChunked::discretise(const UnfusedInputs &in) {
  const int64_t T = p_.T, H = p_.H, N = p_.N;
  for (int64_t i = 0; i < H * N; ++i)
    lambda_[i] = std::exp(in.A_log[i]);
#pragma omp parallel for collapse(2) num_threads(threads_)
  for (int64_t bh = 0; bh < BH_; ++bh)
    for (int64_t t = 0; t < T; ++t) {
      const int64_t b = bh / H, h = bh % H, row = bh * T + t,
                    bth = (b * T + t) * H + h;
      x_[row] = in.dt[bth] + in.dt_bias[h];
      delta_[row] = softplusf(x_[row]);
      basisWeights32(p_.cfg.basisWeights, in.g ? in.g + bth * N : nullptr, N,
                     &gamma_[row * N]);
      for (int64_t n = 0; n < N; ++n) // log decays; chunkCumsum sums them
        L_[row * N + n] = -delta_[row] * lambda_[h * N + n];
    }
}

void UnfusedChunked::featureMaps(const UnfusedInputs &in) {
  const int64_t T = p_.T, H = p_.H, D = p_.D, P = p_.P,
                Fp = p_.cfg.featureParam;
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> scratch(featureScratchSize(D, Fp));
#pragma omp for collapse(2)
    for (int64_t bh = 0; bh < BH_; ++bh)
      for (int64_t t = 0; t < T; ++t) {
        const int64_t b = bh / H, h = bh % H, row = bh * T + t,
                      bth = (b * T + t) * H + h;
        const float *Wh = in.W ? in.W + h * Fp * D : nullptr;
        featureMap32(p_.cfg.feature, in.q + bth * D, D, Wh, Fp, &Q_[row * F_],
                     scratch.data());
        featureMap32(p_.cfg.feature, in.k + bth * D, D, Wh, Fp, &K_[row * F_],
                     scratch.data());
        std::copy_n(in.v + bth * P, P, &V_[row * Pa_]);
        if (Pa_ > P)
          V_[row * Pa_ + P] = 1.0f;
      }
  }
}

void UnfusedChunked::chunkCumsum() {
  const int64_t T = p_.T, N = p_.N, C = p_.C;
#pragma omp parallel for collapse(2) num_threads(threads_)
  for (int64_t bh = 0; bh < BH_; ++bh)
    for (int64_t c = 0; c < nc_; ++c) {
      float *L = &L_[(bh * T + c * C) * N];
      for (int64_t i = 1; i < chunkLen(c); ++i)
        for (int64_t n = 0; n < N; ++n)
          L[i * N + n] += L[(i - 1) * N + n];
    }
}

void UnfusedChunked::intraScores() {
  const int64_t T = p_.T, C = p_.C;
#pragma omp parallel for collapse(2) schedule(dynamic) num_threads(threads_)
  for (int64_t bh = 0; bh < BH_; ++bh)
    for (int64_t c = 0; c < nc_; ++c) {
      const int64_t len = chunkLen(c), row = bh * T + c * C;
      gemm(false, true, len, len, F_, &Q_[row * F_], F_, &K_[row * F_], F_, 0,
           &A_[(bh * nc_ + c) * C * C], C);
    }
}

void UnfusedChunked::decayMasks() {
  const int64_t T = p_.T, N = p_.N, C = p_.C;
#pragma omp parallel for collapse(2) schedule(dynamic) num_threads(threads_)
  for (int64_t bh = 0; bh < BH_; ++bh)
    for (int64_t c = 0; c < nc_; ++c) {
      const int64_t len = chunkLen(c), row = bh * T + c * C;
      const float *L = &L_[row * N], *gamma = &gamma_[row * N],
                  *beta = &delta_[row];
      float *M = &M_[(bh * nc_ + c) * C * C];
      for (int64_t i = 0; i < len; ++i)
        for (int64_t j = 0; j < len; ++j) {
          float m = 0;
          if (j <= i)
            for (int64_t n = 0; n < N; ++n)
              m += gamma[i * N + n] * std::exp(L[i * N + n] - L[j * N + n]);
          M[i * C + j] = m * beta[j];
        }
    }
}

void UnfusedChunked::intraOutputs() {
  const int64_t T = p_.T, C = p_.C;
  // Pass 1: the masked scores, elementwise.
#pragma omp parallel for collapse(2) num_threads(threads_)
  for (int64_t bh = 0; bh < BH_; ++bh)
    for (int64_t c = 0; c < nc_; ++c) {
      const int64_t base = (bh * nc_ + c) * C * C, len = chunkLen(c);
      for (int64_t i = 0; i < len; ++i)
        for (int64_t j = 0; j < len; ++j)
          Pm_[base + i * C + j] = A_[base + i * C + j] * M_[base + i * C + j];
    }
    // Pass 2: Y = Pm V.
#pragma omp parallel for collapse(2) schedule(dynamic) num_threads(threads_)
  for (int64_t bh = 0; bh < BH_; ++bh)
    for (int64_t c = 0; c < nc_; ++c) {
      const int64_t len = chunkLen(c), row = bh * T + c * C;
      gemm(false, false, len, Pa_, len, &Pm_[(bh * nc_ + c) * C * C], C,
           &V_[row * Pa_], Pa_, 0, &Y_[row * Pa_], Pa_);
    }
}

void UnfusedChunked::chunkStates() {
  const int64_t T = p_.T, N = p_.N, C = p_.C, state = N * F_ * Pa_;
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> Kw(C * F_);
#pragma omp for collapse(2) schedule(dynamic)
    for (int64_t bh = 0; bh < BH_; ++bh)
      for (int64_t c = 0; c < nc_; ++c) {
        const int64_t len = chunkLen(c), row = bh * T + c * C;
        const float *L = &L_[row * N];
        for (int64_t n = 0; n < N; ++n) {
          const float last = L[(len - 1) * N + n];
          for (int64_t j = 0; j < len; ++j) {
            const float w = delta_[row + j] * std::exp(last - L[j * N + n]);
            for (int64_t f = 0; f < F_; ++f)
              Kw[j * F_ + f] = w * K_[(row + j) * F_ + f];
          }
          gemm(true, false, F_, Pa_, len, Kw.data(), F_, &V_[row * Pa_], Pa_, 0,
               &U_[(bh * nc_ + c) * state + n * F_ * Pa_], Pa_);
        }
      }
  }
}

void UnfusedChunked::scanStates(const UnfusedInputs &in) {
  const int64_t T = p_.T, N = p_.N, C = p_.C, P = p_.P, FP = F_ * Pa_,
                state = N * FP;
#pragma omp parallel for num_threads(threads_)
  for (int64_t bh = 0; bh < BH_; ++bh) {
    float *S = &Sin_[bh * (nc_ + 1) * state];
    std::fill(S, S + state, 0.0f);
    for (int64_t nf = 0; nf < N * F_; ++nf) {
      if (in.S0)
        std::copy_n(in.S0 + (bh * N * F_ + nf) * P, P, S + nf * Pa_);
      if (in.Z0 && Pa_ > P)
        S[nf * Pa_ + P] = in.Z0[bh * N * F_ + nf];
    }
    for (int64_t c = 0; c < nc_; ++c) {
      const float *L = &L_[(bh * T + c * C + chunkLen(c) - 1) * N];
      const float *Sc = S + c * state, *U = &U_[(bh * nc_ + c) * state];
      float *Snext = S + (c + 1) * state;
      for (int64_t n = 0; n < N; ++n) {
        const float a = std::exp(L[n]);
        for (int64_t x = n * FP; x < (n + 1) * FP; ++x)
          Snext[x] = a * Sc[x] + U[x];
      }
    }
  }
}

void UnfusedChunked::interOutputs() {
  const int64_t T = p_.T, N = p_.N, C = p_.C, state = N * F_ * Pa_;
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> Qw(C * F_);
#pragma omp for collapse(2) schedule(dynamic)
    for (int64_t bh = 0; bh < BH_; ++bh)
      for (int64_t c = 0; c < nc_; ++c) {
        const int64_t len = chunkLen(c), row = bh * T + c * C;
        const float *S = &Sin_[(bh * (nc_ + 1) + c) * state];
        for (int64_t n = 0; n < N; ++n) {
          for (int64_t i = 0; i < len; ++i) {
            const float w =
                gamma_[(row + i) * N + n] * std::exp(L_[(row + i) * N + n]);
            for (int64_t f = 0; f < F_; ++f)
              Qw[i * F_ + f] = w * Q_[(row + i) * F_ + f];
          }
          gemm(false, false, len, Pa_, F_, Qw.data(), F_, S + n * F_ * Pa_, Pa_,
               1, &Y_[row * Pa_], Pa_);
        }
      }
  }
}

void UnfusedChunked::writeOutputs(const UnfusedOutputs &out) {
  const int64_t T = p_.T, H = p_.H, N = p_.N, P = p_.P, state = N * F_ * Pa_;
  const bool norm = p_.cfg.normalize;
  const float eps = static_cast<float>(p_.cfg.eps);
#pragma omp parallel for num_threads(threads_)
  for (int64_t bh = 0; bh < BH_; ++bh) {
    const int64_t b = bh / H, h = bh % H;
    for (int64_t t = 0; t < T; ++t) {
      const float *Y = &Y_[(bh * T + t) * Pa_];
      float *y = out.y + ((b * T + t) * H + h) * P;
      const float scale = norm ? 1.0f / (Y[P] + eps) : 1.0f;
      for (int64_t p = 0; p < P; ++p)
        y[p] = Y[p] * scale;
    }
    const float *S = &Sin_[(bh * (nc_ + 1) + nc_) * state];
    for (int64_t nf = 0; nf < N * F_; ++nf) {
      if (out.S_T)
        std::copy_n(S + nf * Pa_, P, out.S_T + (bh * N * F_ + nf) * P);
      if (out.Z_T && norm)
        out.Z_T[bh * N * F_ + nf] = S[nf * Pa_ + P];
    }
  }
}

void UnfusedChunked::forwardPasses(const UnfusedInputs &in) {
  checkInputs(in);
  discretise(in);
  featureMaps(in);
  chunkCumsum();
  intraScores();
  decayMasks();
  intraOutputs();
  chunkStates();
  scanStates(in);
  interOutputs();
}

void UnfusedChunked::forward(const UnfusedInputs &in,
                             const UnfusedOutputs &out) {
  require(out.y, "y (output)");
  forwardPasses(in);
  writeOutputs(out);
}

} // namespace ida::bench

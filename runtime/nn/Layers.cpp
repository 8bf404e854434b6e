//===- runtime/nn/Layers.cpp - fp32/fp64 layers ---------------------------===//
#include "runtime/nn/Layers.h"

#include "runtime/nn/Blas.h"

#include <algorithm>
#include <cmath>

namespace ida::nn {

template <class T>
void embeddingForward(const int32_t *tokens, int64_t M, const T *E, int64_t d,
                      T *out) {
  for (int64_t m = 0; m < M; ++m)
    std::copy_n(E + static_cast<int64_t>(tokens[m]) * d, d, out + m * d);
}

template <class T>
void embeddingBackward(const int32_t *tokens, int64_t M, const T *dout,
                       int64_t d, T *dE) {
  for (int64_t m = 0; m < M; ++m) {
    T *row = dE + static_cast<int64_t>(tokens[m]) * d;
    for (int64_t i = 0; i < d; ++i)
      row[i] += dout[m * d + i];
  }
}

template <class T>
void rmsnormForward(const T *x, const T *w, int64_t M, int64_t d, T eps, T *y,
                    T *rstd) {
  for (int64_t m = 0; m < M; ++m) {
    const T *xr = x + m * d;
    // Accumulate the mean square in double: cheap, and keeps fp32 runs
    // independent of the summation order's rounding.
    double ss = 0;
    for (int64_t i = 0; i < d; ++i)
      ss += double(xr[i]) * double(xr[i]);
    const T r = T(1.0 / std::sqrt(ss / double(d) + double(eps)));
    rstd[m] = r;
    for (int64_t i = 0; i < d; ++i)
      y[m * d + i] = xr[i] * r * w[i];
  }
}

template <class T>
void rmsnormBackward(const T *dy, const T *x, const T *w, const T *rstd,
                     int64_t M, int64_t d, T *dx, T *dw) {
  for (int64_t m = 0; m < M; ++m) {
    const T *xr = x + m * d, *dyr = dy + m * d;
    const T r = rstd[m];
    // y_i = x_i r w_i with r = (mean x^2 + eps)^-1/2, so
    // dx_i = r (dy_i w_i) - x_i r^3 / d * sum_j dy_j w_j x_j.
    double dot = 0;
    for (int64_t i = 0; i < d; ++i)
      dot += double(dyr[i]) * double(w[i]) * double(xr[i]);
    const T c = T(dot * double(r) * double(r) * double(r) / double(d));
    for (int64_t i = 0; i < d; ++i) {
      dx[m * d + i] += dyr[i] * w[i] * r - xr[i] * c;
      dw[i] += dyr[i] * xr[i] * r;
    }
  }
}

template <class T>
void linearForward(const T *x, const T *W, int64_t M, int64_t K, int64_t N,
                   T *y) {
  gemm<T>(false, true, M, N, K, T(1), x, K, W, K, T(0), y, N);
}

template <class T>
void linearBackward(const T *dy, const T *x, const T *W, int64_t M, int64_t K,
                    int64_t N, T *dx, T *dW) {
  if (dx) // dx[M, K] += dy[M, N] W[N, K]
    gemm<T>(false, false, M, K, N, T(1), dy, N, W, K, T(1), dx, K);
  if (dW) // dW[N, K] += dy^T[N, M] x[M, K]
    gemm<T>(true, false, N, K, M, T(1), dy, N, x, K, T(1), dW, K);
}

namespace {
template <class T> T sigmoidOf(T z) { return T(1) / (T(1) + std::exp(-z)); }
} // namespace

template <class T> void swigluForward(const T *gu, int64_t M, int64_t H, T *a) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t i = 0; i < H; ++i) {
      const T g = gu[m * 2 * H + i], u = gu[m * 2 * H + H + i];
      a[m * H + i] = g * sigmoidOf(g) * u;
    }
}

template <class T>
void swigluBackward(const T *da, const T *gu, int64_t M, int64_t H, T *dgu) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t i = 0; i < H; ++i) {
      const T g = gu[m * 2 * H + i], u = gu[m * 2 * H + H + i];
      const T s = sigmoidOf(g), d = da[m * H + i];
      // silu'(g) = s (1 + g (1 - s))
      dgu[m * 2 * H + i] += d * u * s * (T(1) + g * (T(1) - s));
      dgu[m * 2 * H + H + i] += d * g * s;
    }
}

template <class T>
void causalConvForward(const T *x, const T *w, int64_t B, int64_t Tlen,
                       int64_t C, int64_t Kc, T *y) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < Tlen; ++t) {
      T *yr = y + (b * Tlen + t) * C;
      std::fill_n(yr, C, T(0));
      for (int64_t j = 0; j < Kc; ++j) {
        const int64_t s = t - (Kc - 1) + j;
        if (s < 0)
          continue;
        const T *xr = x + (b * Tlen + s) * C;
        for (int64_t c = 0; c < C; ++c)
          yr[c] += w[c * Kc + j] * xr[c];
      }
    }
}

template <class T>
void causalConvBackward(const T *dy, const T *x, const T *w, int64_t B,
                        int64_t Tlen, int64_t C, int64_t Kc, T *dx, T *dw) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < Tlen; ++t) {
      const T *dyr = dy + (b * Tlen + t) * C;
      for (int64_t j = 0; j < Kc; ++j) {
        const int64_t s = t - (Kc - 1) + j;
        if (s < 0)
          continue;
        const T *xr = x + (b * Tlen + s) * C;
        T *dxr = dx + (b * Tlen + s) * C;
        for (int64_t c = 0; c < C; ++c) {
          dxr[c] += w[c * Kc + j] * dyr[c];
          dw[c * Kc + j] += xr[c] * dyr[c];
        }
      }
    }
}

template <class T>
CrossEntropyStats crossEntropyForward(T *logits, const int32_t *labels,
                                      int64_t M, int64_t V) {
  CrossEntropyStats st;
  double total = 0;
  for (int64_t m = 0; m < M; ++m) {
    T *row = logits + m * V;
    int64_t arg = 0;
    for (int64_t i = 1; i < V; ++i)
      if (row[i] > row[arg])
        arg = i;
    const T mx = row[arg];
    double sum = 0;
    for (int64_t i = 0; i < V; ++i) {
      row[i] = std::exp(row[i] - mx);
      sum += double(row[i]);
    }
    const T inv = T(1.0 / sum);
    for (int64_t i = 0; i < V; ++i)
      row[i] *= inv;
    const int32_t label = labels[m];
    if (label == kIgnoreLabel)
      continue;
    ++st.scored;
    st.correct += (arg == label);
    // log p = (logit - max) - log(sum); the probability itself may underflow.
    total += -std::log(std::max(double(row[label]), 1e-300));
  }
  st.loss = st.scored ? total / double(st.scored) : 0.0;
  return st;
}

template <class T>
void crossEntropyBackward(const T *probs, const int32_t *labels, int64_t M,
                          int64_t V, T scale, T *dlogits) {
  for (int64_t m = 0; m < M; ++m) {
    T *drow = dlogits + m * V;
    const int32_t label = labels[m];
    if (label == kIgnoreLabel) {
      std::fill_n(drow, V, T(0));
      continue;
    }
    const T *prow = probs + m * V;
    for (int64_t i = 0; i < V; ++i)
      drow[i] = scale * prow[i];
    drow[label] -= scale;
  }
}

#define IDA_NN_INSTANTIATE(T)                                                  \
  template void embeddingForward<T>(const int32_t *, int64_t, const T *,       \
                                    int64_t, T *);                             \
  template void embeddingBackward<T>(const int32_t *, int64_t, const T *,      \
                                     int64_t, T *);                            \
  template void rmsnormForward<T>(const T *, const T *, int64_t, int64_t, T,   \
                                  T *, T *);                                   \
  template void rmsnormBackward<T>(const T *, const T *, const T *, const T *, \
                                   int64_t, int64_t, T *, T *);                \
  template void linearForward<T>(const T *, const T *, int64_t, int64_t,       \
                                 int64_t, T *);                                \
  template void linearBackward<T>(const T *, const T *, const T *, int64_t,    \
                                  int64_t, int64_t, T *, T *);                 \
  template void swigluForward<T>(const T *, int64_t, int64_t, T *);            \
  template void swigluBackward<T>(const T *, const T *, int64_t, int64_t,      \
                                  T *);                                        \
  template void causalConvForward<T>(const T *, const T *, int64_t, int64_t,   \
                                     int64_t, int64_t, T *);                   \
  template void causalConvBackward<T>(const T *, const T *, const T *,         \
                                      int64_t, int64_t, int64_t, int64_t, T *, \
                                      T *);                                    \
  template CrossEntropyStats crossEntropyForward<T>(T *, const int32_t *,      \
                                                    int64_t, int64_t);         \
  template void crossEntropyBackward<T>(const T *, const int32_t *, int64_t,   \
                                        int64_t, T, T *);
IDA_NN_INSTANTIATE(float)
IDA_NN_INSTANTIATE(double)
#undef IDA_NN_INSTANTIATE

} // namespace ida::nn

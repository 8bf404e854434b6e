//===- runtime/reference/SoftmaxAttention.cpp - causal softmax attention --===//
//
// y_t = sum_{s in window(t)} softmax_s(q_t.k_s / sqrt(D)) v_s with
// window(t) = [max(0, t - window + 1), t] (all of [0, t] when window == 0),
// and its backward. Used for hybrid graphs and as a baseline.
//
//===----------------------------------------------------------------------===//
#include "runtime/reference/Internal.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ida::ref {

namespace {

struct AttnDims {
  int64_t B, T, H, D, P;
};

AttnDims checkAttention(const Array &q, const Array &k, const Array &v,
                        int64_t window) {
  if (q.shape.size() != 4)
    throw std::invalid_argument("q: expected shape [B, T, H, D], got " +
                                q.shapeString());
  if (v.shape.size() != 4)
    throw std::invalid_argument("v: expected shape [B, T, H, P], got " +
                                v.shapeString());
  AttnDims d{q.shape[0], q.shape[1], q.shape[2], q.shape[3], v.shape[3]};
  detail::expectShape("q", q, "[B, T, H, D]", {d.B, d.T, d.H, d.D});
  detail::expectShape("k", k, "[B, T, H, D]", {d.B, d.T, d.H, d.D});
  detail::expectShape("v", v, "[B, T, H, P]", {d.B, d.T, d.H, d.P});
  if (window < 0)
    throw std::invalid_argument("window: must be >= 0 (0 = unlimited), got " +
                                std::to_string(window));
  return d;
}

int64_t firstKey(int64_t t, int64_t window) {
  return window > 0 ? std::max<int64_t>(0, t - window + 1) : 0;
}

/// Attention probabilities of query t over keys [first, t].
std::vector<double> probabilities(const Array &q, const Array &k,
                                  const AttnDims &d, int64_t b, int64_t h,
                                  int64_t t, int64_t first) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(d.D));
  const double *qt = &q.data[((b * d.T + t) * d.H + h) * d.D];
  std::vector<double> p(t - first + 1);
  double m = -INFINITY;
  for (int64_t s = first; s <= t; ++s) {
    const double *ks = &k.data[((b * d.T + s) * d.H + h) * d.D];
    double dot = 0;
    for (int64_t i = 0; i < d.D; ++i)
      dot += qt[i] * ks[i];
    p[s - first] = dot * scale;
    m = std::max(m, p[s - first]);
  }
  double sum = 0;
  for (double &x : p)
    sum += x = std::exp(x - m);
  for (double &x : p)
    x /= sum;
  return p;
}

} // namespace

Array softmaxAttention(const Array &q, const Array &k, const Array &v,
                       int64_t window) {
  const AttnDims d = checkAttention(q, k, v, window);
  Array y({d.B, d.T, d.H, d.P});
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t h = 0; h < d.H; ++h)
      for (int64_t t = 0; t < d.T; ++t) {
        const int64_t first = firstKey(t, window);
        const std::vector<double> p = probabilities(q, k, d, b, h, t, first);
        double *yt = &y.data[((b * d.T + t) * d.H + h) * d.P];
        for (int64_t s = first; s <= t; ++s) {
          const double *vs = &v.data[((b * d.T + s) * d.H + h) * d.P];
          for (int64_t i = 0; i < d.P; ++i)
            yt[i] += p[s - first] * vs[i];
        }
      }
  return y;
}

SoftmaxAttentionGrads softmaxAttentionBackward(const Array &q, const Array &k,
                                               const Array &v, const Array &dy,
                                               int64_t window) {
  const AttnDims d = checkAttention(q, k, v, window);
  detail::expectShape("dy", dy, "[B, T, H, P]", {d.B, d.T, d.H, d.P});
  const double scale = 1.0 / std::sqrt(static_cast<double>(d.D));
  SoftmaxAttentionGrads gr{Array(q.shape), Array(k.shape), Array(v.shape)};
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t h = 0; h < d.H; ++h)
      for (int64_t t = 0; t < d.T; ++t) {
        const int64_t first = firstKey(t, window);
        const std::vector<double> p = probabilities(q, k, d, b, h, t, first);
        const double *dyt = &dy.data[((b * d.T + t) * d.H + h) * d.P];
        const double *qt = &q.data[((b * d.T + t) * d.H + h) * d.D];
        double *dqt = &gr.dq.data[((b * d.T + t) * d.H + h) * d.D];
        // dp_s = dy_t . v_s; d(score_s) = p_s (dp_s - sum_s' p_s' dp_s').
        std::vector<double> dp(p.size());
        double pDotDp = 0;
        for (int64_t s = first; s <= t; ++s) {
          const int64_t row = (b * d.T + s) * d.H + h;
          double dot = 0;
          for (int64_t i = 0; i < d.P; ++i) {
            dot += dyt[i] * v.data[row * d.P + i];
            gr.dv.data[row * d.P + i] += p[s - first] * dyt[i];
          }
          dp[s - first] = dot;
          pDotDp += p[s - first] * dot;
        }
        for (int64_t s = first; s <= t; ++s) {
          const int64_t row = (b * d.T + s) * d.H + h;
          const double dscore = p[s - first] * (dp[s - first] - pDotDp) * scale;
          for (int64_t i = 0; i < d.D; ++i) {
            dqt[i] += dscore * k.data[row * d.D + i];
            gr.dk.data[row * d.D + i] += dscore * qt[i];
          }
        }
      }
  return gr;
}

} // namespace ida::ref

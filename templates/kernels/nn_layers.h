//===- templates/kernels/nn_layers.h - ida-train's layers as programs -*- C++ -*-===//
//
// The layers around the mixer (runtime/nn/Layers.h: embedding, RMSNorm,
// SwiGLU, the short causal convolution, cross-entropy) plus the glue the
// model and AdamW need, written once over the block-parallel loops of
// tile/<target>/par_<target> so they run on both targets: on the GPU they
// keep a training step on the device (GEMMs go to cuBLAS), on the CPU the
// same text is what the tests check against runtime/nn/Layers.cpp.
//
// Arguments: IdaKernelArgs with pointers in buffers[0..15] and immediates in
// buffers[16..23] (an int64 or the bits of a double each; nn_imm_i/nn_imm_f).
// The rows of a program are its blockIdx.x (pid); grid(), where given,
// names what the host must launch. Every reduction sums in a fixed order
// (no atomics), so results do not depend on scheduling.
//
// Summation order differs from Layers.cpp where a column sum over rows is
// split into row groups (dw of RMSNorm and the conv): partial sums per
// group, then the groups in order.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_KERNELS_NN_LAYERS_H
#define IDA_TEMPLATES_KERNELS_NN_LAYERS_H

namespace idak {
namespace nn {

using namespace idat;

constexpr int kImm = 16; // first immediate slot

IDA_DEVICE int64_t nn_imm_i(const IdaKernelArgs &a, int k) {
  return (int64_t)(intptr_t)a.buffers[kImm + k];
}
IDA_DEVICE double nn_imm_f(const IdaKernelArgs &a, int k) {
  union {
    int64_t i;
    double d;
  } u;
  u.i = nn_imm_i(a, k);
  return u.d;
}
template <class T> IDA_DEVICE T *nn_buf(const IdaKernelArgs &a, int k) {
  return (T *)a.buffers[k];
}

IDA_DEVICE float nn_sigmoid(float z) { return 1.0f / (1.0f + expf(-z)); }

// --- embedding ---------------------------------------------------------------
// out[m, :] = E[tok[m], :]. grid (M). buffers: tok(i32), E, out; imm: d.
struct EmbedFwd {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t m, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t d = nn_imm_i(a, 0);
    const int64_t tok = nn_buf<const int32_t>(a, 0)[m];
    const float *E = nn_buf<const float>(a, 1) + tok * d;
    float *out = nn_buf<float>(a, 2) + m * d;
    par_for(c, d, [&](int64_t j) { out[j] = E[j]; });
  }
};

// dE[v, :] += sum over m with tok[m] == v of dout[m, :], m ascending (the
// host's order). One program per vocabulary row scans the tokens: no two
// programs write the same row, so no atomics. grid (V).
// buffers: tok(i32), dout, dE; imm: d, M.
struct EmbedBwd {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t v, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t d = nn_imm_i(a, 0), M = nn_imm_i(a, 1);
    const int32_t *tok = nn_buf<const int32_t>(a, 0);
    const float *dout = nn_buf<const float>(a, 1);
    float *row = nn_buf<float>(a, 2) + v * d;
    for (int64_t m = 0; m < M; ++m)
      if (tok[m] == v)
        par_for(c, d, [&](int64_t j) { row[j] += dout[m * d + j]; });
  }
};

// --- RMSNorm -----------------------------------------------------------------
// y = x * r * w with r = (mean x^2 + eps)^-1/2 (mean square in double, as
// on the host). grid (M). buffers: x, w, y, rstd; imm: d, eps.
struct RmsNormFwd {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t m, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t d = nn_imm_i(a, 0);
    const double eps = nn_imm_f(a, 1);
    const float *x = nn_buf<const float>(a, 0) + m * d;
    const float *w = nn_buf<const float>(a, 1);
    float *y = nn_buf<float>(a, 2) + m * d;
    double ss = 0;
    par_for(c, d, [&](int64_t j) { ss += double(x[j]) * double(x[j]); });
    ss = block_sum(c, ss);
    const float r = float(1.0 / sqrt(ss / double(d) + eps));
    if (par_leader(c))
      nn_buf<float>(a, 3)[m] = r;
    par_for(c, d, [&](int64_t j) { y[j] = x[j] * r * w[j]; });
  }
};

// dx += r dy w - x r^3/d <dy w, x>. grid (M).
// buffers: dy, x, w, rstd, dx; imm: d.
struct RmsNormBwdDx {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t m, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t d = nn_imm_i(a, 0);
    const float *dy = nn_buf<const float>(a, 0) + m * d;
    const float *x = nn_buf<const float>(a, 1) + m * d;
    const float *w = nn_buf<const float>(a, 2);
    const float r = nn_buf<const float>(a, 3)[m];
    float *dx = nn_buf<float>(a, 4) + m * d;
    double dot = 0;
    par_for(c, d, [&](int64_t j) { dot += double(dy[j]) * double(w[j]) * double(x[j]); });
    dot = block_sum(c, dot);
    const float k = float(dot * double(r) * double(r) * double(r) / double(d));
    par_for(c, d, [&](int64_t j) { dx[j] += dy[j] * w[j] * r - x[j] * k; });
  }
};

// Partial column sums of dy * x * rstd over the rows of group g:
// part[g, j] = sum over m in [g R, min(M, (g+1) R)) of dy[m, j] x[m, j] r[m].
// grid (G). buffers: dy, x, rstd, part; imm: d, M, R.
struct RmsNormBwdDwPartial {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t g, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t d = nn_imm_i(a, 0), M = nn_imm_i(a, 1), R = nn_imm_i(a, 2);
    const float *dy = nn_buf<const float>(a, 0), *x = nn_buf<const float>(a, 1);
    const float *r = nn_buf<const float>(a, 2);
    float *part = nn_buf<float>(a, 3) + g * d;
    const int64_t m0 = g * R, m1 = m0 + R < M ? m0 + R : M;
    par_for(c, d, [&](int64_t j) {
      float s = 0;
      for (int64_t m = m0; m < m1; ++m)
        s += dy[m * d + j] * x[m * d + j] * r[m];
      part[j] = s;
    });
  }
};

// out[j] += sum over g < G of part[g, j], g ascending. grid (1).
// buffers: part, out; imm: n (columns), G.
struct ColumnReduce {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t n = nn_imm_i(a, 0), G = nn_imm_i(a, 1);
    const float *part = nn_buf<const float>(a, 0);
    float *out = nn_buf<float>(a, 1);
    par_for(c, n, [&](int64_t j) {
      float s = 0;
      for (int64_t g = 0; g < G; ++g)
        s += part[g * n + j];
      out[j] += s;
    });
  }
};

// --- SwiGLU: a = silu(gu[:, :H]) * gu[:, H:] --------------------------------
// grid (M). buffers: gu, a; imm: H.
struct SwigluFwd {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t m, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t H = nn_imm_i(a, 0);
    const float *gu = nn_buf<const float>(a, 0) + m * 2 * H;
    float *out = nn_buf<float>(a, 1) + m * H;
    par_for(c, H, [&](int64_t i) {
      const float g = gu[i], u = gu[H + i];
      out[i] = g * nn_sigmoid(g) * u;
    });
  }
};

// dgu += d(a)/d(gu)^T da. grid (M). buffers: da, gu, dgu; imm: H.
struct SwigluBwd {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t m, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t H = nn_imm_i(a, 0);
    const float *da = nn_buf<const float>(a, 0) + m * H;
    const float *gu = nn_buf<const float>(a, 1) + m * 2 * H;
    float *dgu = nn_buf<float>(a, 2) + m * 2 * H;
    par_for(c, H, [&](int64_t i) {
      const float g = gu[i], u = gu[H + i], s = nn_sigmoid(g), d = da[i];
      dgu[i] += d * u * s * (1.0f + g * (1.0f - s));
      dgu[H + i] += d * g * s;
    });
  }
};

// --- short causal depthwise convolution over time ---------------------------
// y[b, t, c] = sum_j w[c, j] x[b, t - (K-1) + j, c]. grid (B*T).
// buffers: x, w, y; imm: T, C, K.
struct ConvFwd {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t bt, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t T = nn_imm_i(a, 0), C = nn_imm_i(a, 1), K = nn_imm_i(a, 2);
    const int64_t t = bt % T;
    const float *x = nn_buf<const float>(a, 0), *w = nn_buf<const float>(a, 1);
    float *y = nn_buf<float>(a, 2) + bt * C;
    par_for(c, C, [&](int64_t ch) {
      float s = 0;
      for (int64_t j = 0; j < K; ++j) {
        const int64_t src = t - (K - 1) + j;
        if (src >= 0)
          s += w[ch * K + j] * x[(bt - t + src) * C + ch];
      }
      y[ch] = s;
    });
  }
};

// dx[b, s, c] += sum_j w[c, j] dy[b, s + (K-1) - j, c] (t < T). grid (B*T).
// buffers: dy, w, dx; imm: T, C, K.
struct ConvBwdDx {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t bs, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t T = nn_imm_i(a, 0), C = nn_imm_i(a, 1), K = nn_imm_i(a, 2);
    const int64_t s = bs % T;
    const float *dy = nn_buf<const float>(a, 0), *w = nn_buf<const float>(a, 1);
    float *dx = nn_buf<float>(a, 2) + bs * C;
    par_for(c, C, [&](int64_t ch) {
      float acc = 0;
      for (int64_t j = 0; j < K; ++j) {
        const int64_t t = s + (K - 1) - j;
        if (t < T)
          acc += w[ch * K + j] * dy[(bs - s + t) * C + ch];
      }
      dx[ch] += acc;
    });
  }
};

// Partial dw over the rows (b, t) of group g: part[g, c*K + j] = sum of
// x[b, t-(K-1)+j, c] dy[b, t, c]. grid (G). buffers: dy, x, part;
// imm: T, C, K, M (= B*T), R (rows per group).
struct ConvBwdDwPartial {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t g, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t T = nn_imm_i(a, 0), C = nn_imm_i(a, 1), K = nn_imm_i(a, 2),
                  M = nn_imm_i(a, 3), R = nn_imm_i(a, 4);
    const float *dy = nn_buf<const float>(a, 0), *x = nn_buf<const float>(a, 1);
    float *part = nn_buf<float>(a, 2) + g * C * K;
    const int64_t m0 = g * R, m1 = m0 + R < M ? m0 + R : M;
    par_for(c, C * K, [&](int64_t e) {
      const int64_t ch = e / K, j = e % K;
      float s = 0;
      for (int64_t m = m0; m < m1; ++m) {
        const int64_t src = m % T - (K - 1) + j;
        if (src >= 0)
          s += x[(m - m % T + src) * C + ch] * dy[m * C + ch];
      }
      part[e] = s;
    });
  }
};

// --- cross-entropy -----------------------------------------------------------
// Row m of logits becomes softmax probabilities; stats[m] = {-log p[label]
// (0 when the label is kIgnore), 1 if argmax == label}. The host sums stats
// over rows in order. grid (M). buffers: logits, labels(i32), stats(f64 [M,2]);
// imm: V.
struct CrossEntropyFwd {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t m, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t V = nn_imm_i(a, 0);
    float *row = nn_buf<float>(a, 0) + m * V;
    const int32_t label = nn_buf<const int32_t>(a, 1)[m];
    double *stats = nn_buf<double>(a, 2) + 2 * m;
    float mx = 0;
    int64_t arg = -1;
    par_for(c, V, [&](int64_t i) {
      if (arg < 0 || row[i] > mx) {
        mx = row[i];
        arg = i;
      }
    });
    if (arg < 0) // a thread with no column (V < threads) must not win
      arg = V;
    block_argmax(c, mx, arg);
    double sum = 0;
    par_for(c, V, [&](int64_t i) {
      const float e = expf(row[i] - mx);
      row[i] = e;
      sum += double(e);
    });
    sum = block_sum(c, sum);
    const float inv = float(1.0 / sum);
    par_for(c, V, [&](int64_t i) { row[i] *= inv; });
    par_barrier(c); // the leader reads a probability another thread stored
    if (par_leader(c)) {
      if (label == -100) {
        stats[0] = 0;
        stats[1] = 0;
      } else {
        const double p = double(row[label]);
        stats[0] = -log(p < 1e-300 ? 1e-300 : p); // NaN stays NaN, as std::max
        stats[1] = arg == label ? 1.0 : 0.0;
      }
    }
  }
};

// dlogits = scale (p - onehot(label)) on scored rows, 0 on ignored ones;
// written, not accumulated. grid (M). buffers: probs, labels(i32), dlogits;
// imm: V, scale.
struct CrossEntropyBwd {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t m, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t V = nn_imm_i(a, 0);
    const float scale = float(nn_imm_f(a, 1));
    const float *p = nn_buf<const float>(a, 0) + m * V;
    const int32_t label = nn_buf<const int32_t>(a, 1)[m];
    float *dl = nn_buf<float>(a, 2) + m * V;
    par_for(c, V, [&](int64_t i) {
      if (label == -100)
        dl[i] = 0.0f;
      else
        dl[i] = i == label ? scale * p[i] - scale : scale * p[i];
    });
  }
};

// --- glue --------------------------------------------------------------------
// Column block copy between row-major matrices (the mixer's fused
// projection <-> q, k, v, dt, g): dst[m, doff + j] (+)= src[m, soff + j],
// j < cols. grid (M). buffers: src, dst; imm: cols, sld, soff, dld, doff, acc.
struct CopyColumns {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t m, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t cols = nn_imm_i(a, 0), sld = nn_imm_i(a, 1), soff = nn_imm_i(a, 2),
                  dld = nn_imm_i(a, 3), doff = nn_imm_i(a, 4), acc = nn_imm_i(a, 5);
    const float *src = nn_buf<const float>(a, 0) + m * sld + soff;
    float *dst = nn_buf<float>(a, 1) + m * dld + doff;
    if (acc)
      par_for(c, cols, [&](int64_t j) { dst[j] += src[j]; });
    else
      par_for(c, cols, [&](int64_t j) { dst[j] = src[j]; });
  }
};

constexpr int64_t kChunk = 4096; // elements per program of the flat programs

// y[i] = alpha * y[i] + x[i] (alpha = 1: residual add; x may be null:
// scaling). grid (ceil(n / kChunk)). buffers: x, y; imm: n, alpha.
struct Axpby {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t p, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t n = nn_imm_i(a, 0);
    const float alpha = float(nn_imm_f(a, 1));
    const float *x = nn_buf<const float>(a, 0);
    float *y = nn_buf<float>(a, 1);
    const int64_t i0 = p * kChunk, len = n - i0 < kChunk ? n - i0 : kChunk;
    if (x)
      par_for(c, len, [&](int64_t i) { y[i0 + i] = alpha * y[i0 + i] + x[i0 + i]; });
    else
      par_for(c, len, [&](int64_t i) { y[i0 + i] = alpha * y[i0 + i]; });
  }
};

// part[p] = sum of x[i]^2 (double) over chunk p. A NaN or Inf anywhere makes
// the sum non-finite, which is how the trainer's guard finds them.
// grid (ceil(n / kChunk)). buffers: x, part(f64); imm: n.
struct SumSquares {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t p, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t n = nn_imm_i(a, 0);
    const float *x = nn_buf<const float>(a, 0);
    const int64_t i0 = p * kChunk, len = n - i0 < kChunk ? n - i0 : kChunk;
    double s = 0;
    par_for(c, len, [&](int64_t i) { s += double(x[i0 + i]) * double(x[i0 + i]); });
    s = block_sum(c, s);
    if (par_leader(c))
      nn_buf<double>(a, 1)[p] = s;
  }
};

// AdamW with bias correction and decoupled decay, in double like
// runtime/nn/Optim.cpp. grid (ceil(n / kChunk)). buffers: w, g, m, v;
// imm: n, beta1, beta2, c1, c2, lr, wd, eps.
struct AdamWStep {
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t p, int64_t, int64_t) {
    TileCtx c = make_ctx();
    const int64_t n = nn_imm_i(a, 0);
    const double b1 = nn_imm_f(a, 1), b2 = nn_imm_f(a, 2), c1 = nn_imm_f(a, 3),
                 c2 = nn_imm_f(a, 4), lr = nn_imm_f(a, 5), wd = nn_imm_f(a, 6),
                 eps = nn_imm_f(a, 7);
    float *w = nn_buf<float>(a, 0), *m = nn_buf<float>(a, 2), *v = nn_buf<float>(a, 3);
    const float *g = nn_buf<const float>(a, 1);
    const int64_t i0 = p * kChunk, len = n - i0 < kChunk ? n - i0 : kChunk;
    par_for(c, len, [&](int64_t k) {
      const int64_t j = i0 + k;
      m[j] = float(b1 * m[j] + (1 - b1) * g[j]);
      v[j] = float(b2 * v[j] + (1 - b2) * double(g[j]) * double(g[j]));
      const double mhat = m[j] / c1, vhat = v[j] / c2;
      w[j] = float(w[j] - lr * (mhat / (sqrt(vhat) + eps) + wd * w[j]));
    });
  }
};

} // namespace nn
} // namespace idak

#endif // IDA_TEMPLATES_KERNELS_NN_LAYERS_H

//===- templates/tile/cpu/tile_cpu.h - tile API, CPU target -----*- C++ -*-===//
//
// The CPU implementation of the tile API (docs/templates.md, "Tile API").
// One program instance runs on one OpenMP thread, so every op is a plain loop
// nest over a fixed-size array; sizes are template parameters so g++ -O3
// -march=native sees constant trip counts and contiguous inner loops and
// vectorizes them. The CUDA implementation provides the same names with the
// same semantics (threads of a block cooperating on __shared__ tiles).
//
// Rules that keep kernel programs portable between the two targets:
//   * tiles are declared with IDA_SHARED and are only WRITTEN through ops;
//     programs may read elements (t(i, j)) after the op that produced them;
//   * every op takes the context first; on CUDA it carries the thread's
//     coordinates and ops end with a block barrier, on CPU it is empty;
//   * lambdas passed to map ops must be pure functions of their arguments
//     and of tiles that the lambda only reads.
//
// Self-contained: only <stdint.h>, <math.h>, <string.h>. Needs
// templates/common/ida_abi.h before it (concatenation order in the docs).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_TILE_CPU_TILE_CPU_H
#define IDA_TEMPLATES_TILE_CPU_TILE_CPU_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define IDA_TARGET_CPU 1
/// Qualifies functions callable from kernel programs.
#define IDA_DEVICE inline __attribute__((always_inline))
/// Storage class of tiles a program declares. CPU: a local of the program's
/// thread (64-byte aligned by the Tile type itself); CUDA: __shared__.
#define IDA_SHARED
/// Keeps a loop over whole program phases rolled (matters on CUDA only).
#define IDA_NO_UNROLL
#define IDA_RESTRICT __restrict__

namespace idat {

/// Execution context of one program instance. Empty on CPU; the CUDA one
/// holds threadIdx/warp/lane. Passed to every op so programs never touch
/// thread indices themselves.
struct TileCtx {};
IDA_DEVICE TileCtx make_ctx() { return TileCtx{}; }

/// A dense R x K fp32 tile, row-major. Trivial type (no constructors) so it
/// can live in CUDA shared memory.
template <int R, int K> struct Tile {
  static_assert(R > 0 && K > 0, "tile sizes must be positive");
  static constexpr int rows = R;
  static constexpr int cols = K;
  alignas(64) float a[R][K];
  IDA_DEVICE float &operator()(int i, int j) { return a[i][j]; }
  IDA_DEVICE const float &operator()(int i, int j) const { return a[i][j]; }
  IDA_DEVICE float *data() { return &a[0][0]; }
  IDA_DEVICE const float *data() const { return &a[0][0]; }
};

// ---------------------------------------------------------------------------
// Scalar helpers (device functions, usable inside map lambdas).
// ---------------------------------------------------------------------------

/// exp(x) with about 1 ulp error on [-87, 88]; saturates outside (1.6e-38
/// below, 1.7e38 above), so callers use it for arguments <= 0 (differences
/// of cumulative log decays, x - rowmax) and libm expf where overflow must
/// show. Branch-free and written with integer bit tricks only, so loops that
/// call it vectorize without -ffast-math: glibc's vector expf needs
/// -ffast-math, and GCC does not if-convert float compares under its default
/// -ftrapping-math, so even the clamps are done on the bit pattern.
IDA_DEVICE float fast_exp(float x) {
  int32_t xi;
  memcpy(&xi, &x, sizeof(xi));
  const int32_t lo = -(int32_t)((uint32_t)xi > 0xC2AE0000u); // x < -87 (or -NaN)
  xi = (xi & ~lo) | ((int32_t)0xC2AE0000u & lo);
  const int32_t hi = -(int32_t)(xi > 0x42B00000); // x > 88
  xi = (xi & ~hi) | (0x42B00000 & hi);
  memcpy(&x, &xi, sizeof(x));
  // n = round(x / ln 2) by the 1.5 * 2^23 shifter; its integer value is read
  // from the mantissa bits (no float -> int conversion, which may trap).
  const float shifter = 12582912.0f;
  const float t = x * 1.44269504088896341f + shifter;
  const float n = t - shifter;
  // Cody-Waite split of ln 2 keeps r exact to fp32 rounding.
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t ti, si;
  memcpy(&ti, &t, sizeof(ti));
  memcpy(&si, &shifter, sizeof(si));
  const int32_t bits = (ti - si + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

/// x < 0 ? if_neg : otherwise, decided on the sign bit with integer ops.
/// GCC does not if-convert float compares under -ftrapping-math, so a
/// `v > 0 ? a : b` in a map lambda stops vectorization; this does not.
/// (-0.0 counts as negative, which the callers below do not mind.)
IDA_DEVICE float select_neg(float x, float if_neg, float otherwise) {
  int32_t xi, a, b;
  memcpy(&xi, &x, sizeof(xi));
  memcpy(&a, &if_neg, sizeof(a));
  memcpy(&b, &otherwise, sizeof(b));
  const int32_t m = xi >> 31; // all ones when the sign bit is set
  const int32_t r = (a & m) | (b & ~m);
  float out;
  memcpy(&out, &r, sizeof(out));
  return out;
}

/// max(x, 0) without a float compare (see select_neg).
IDA_DEVICE float relu(float x) { return select_neg(x, 0.0f, x); }

/// softplus(x) = log(1 + exp(x)), stable for large |x|.
IDA_DEVICE float softplus(float x) {
  return x > 20.0f ? x : log1pf(expf(x));
}
IDA_DEVICE float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/// Input element conversion (bf16/f16 loads are CUDA-only; CPU inputs are
/// fp32 or fp64).
IDA_DEVICE float to_f32(float x) { return x; }
IDA_DEVICE float to_f32(double x) { return (float)x; }
IDA_DEVICE void from_f32(float &dst, float x) { dst = x; }
IDA_DEVICE void from_f32(double &dst, float x) { dst = x; }

// ---------------------------------------------------------------------------
// Initialisation, loads and stores.
// ---------------------------------------------------------------------------

template <int R, int K> IDA_DEVICE void fill(TileCtx &, Tile<R, K> &t, float v) {
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < K; ++j)
      t.a[i][j] = v;
}

template <int R, int K>
IDA_DEVICE void copy(TileCtx &, Tile<R, K> &dst, const Tile<R, K> &src) {
  memcpy(dst.a, src.a, sizeof(float) * R * K);
}

/// t(i, j) = base[i * row_stride + j] for i < rows_valid and j < cols_valid,
/// zero elsewhere (ragged T, ragged value tiles).
template <int R, int K, class T>
IDA_DEVICE void load(TileCtx &, Tile<R, K> &t, const T *IDA_RESTRICT base,
                     int64_t row_stride, int rows_valid, int cols_valid = K) {
  for (int i = 0; i < R; ++i) {
    if (i < rows_valid && cols_valid == K) {
      const T *src = base + (int64_t)i * row_stride;
      for (int j = 0; j < K; ++j)
        t.a[i][j] = to_f32(src[j]);
    } else if (i < rows_valid) {
      const T *src = base + (int64_t)i * row_stride;
      for (int j = 0; j < K; ++j)
        t.a[i][j] = j < cols_valid ? to_f32(src[j < cols_valid ? j : 0]) : 0.0f;
    } else {
      for (int j = 0; j < K; ++j)
        t.a[i][j] = 0.0f;
    }
  }
}

/// Loads one strided vector into column `col` of t: t(i, col) = base[i *
/// stride] for i < rows_valid, zero below. Other columns are untouched.
template <int R, int K, class T>
IDA_DEVICE void load_column(TileCtx &, Tile<R, K> &t, int col,
                            const T *IDA_RESTRICT base, int64_t stride,
                            int rows_valid) {
  for (int i = 0; i < R; ++i)
    t.a[i][col] = i < rows_valid ? to_f32(base[(int64_t)i * stride]) : 0.0f;
}

/// base[i * row_stride + j] = t(i, col0 + j) for i < rows_valid and
/// j < cols_valid; nothing else is written.
template <int R, int K, class T>
IDA_DEVICE void store(TileCtx &, const Tile<R, K> &t, T *IDA_RESTRICT base,
                      int64_t row_stride, int rows_valid, int cols_valid = K,
                      int col0 = 0) {
  for (int i = 0; i < R && i < rows_valid; ++i) {
    T *dst = base + (int64_t)i * row_stride;
    for (int j = 0; j < cols_valid; ++j)
      from_f32(dst[j], t.a[i][col0 + j]);
  }
}

/// base[i * stride] = t(i, col) for i < rows_valid.
template <int R, int K, class T>
IDA_DEVICE void store_column(TileCtx &, const Tile<R, K> &t, int col,
                             T *IDA_RESTRICT base, int64_t stride,
                             int rows_valid) {
  for (int i = 0; i < R && i < rows_valid; ++i)
    from_f32(base[(int64_t)i * stride], t.a[i][col]);
}

// ---------------------------------------------------------------------------
// Elementwise maps.
// ---------------------------------------------------------------------------

/// t(i, j) = f(t(i, j)).
template <int R, int K, class Fn>
IDA_DEVICE void map(TileCtx &, Tile<R, K> &t, Fn f) {
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < K; ++j)
      t.a[i][j] = f(t.a[i][j]);
}

/// t(i, j) = f(i, j). The lambda may read other tiles (never t itself at a
/// different index: on CUDA the writes are concurrent).
template <int R, int K, class Fn>
IDA_DEVICE void map_idx(TileCtx &, Tile<R, K> &t, Fn f) {
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < K; ++j)
      t.a[i][j] = f(i, j);
}

/// Per-row Kronecker product: out(i, n * K + k) = s(i, n) * x(i, k).
/// (The [Q scaled per basis] blocks of the inter-chunk read-out.)
template <int R, int N, int K>
IDA_DEVICE void row_kron(TileCtx &, Tile<R, N * K> &out, const Tile<R, N> &s,
                         const Tile<R, K> &x) {
  for (int i = 0; i < R; ++i)
    for (int n = 0; n < N; ++n) {
      const float sv = s.a[i][n];
      float *IDA_RESTRICT o = &out.a[i][n * K];
      const float *IDA_RESTRICT xr = x.a[i];
      for (int k = 0; k < K; ++k)
        o[k] = sv * xr[k];
    }
}

/// Per-column Kronecker product: out(n * K + k, j) = s(n, j) * x(k, j).
/// (The transposed [K scaled per basis] blocks of the state update.)
template <int C, int N, int K>
IDA_DEVICE void col_kron(TileCtx &, Tile<N * K, C> &out, const Tile<N, C> &s,
                         const Tile<K, C> &x) {
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k) {
      float *IDA_RESTRICT o = out.a[n * K + k];
      const float *IDA_RESTRICT sr = s.a[n];
      const float *IDA_RESTRICT xr = x.a[k];
      for (int j = 0; j < C; ++j)
        o[j] = sr[j] * xr[j];
    }
}

/// t(r, j) *= s(0, r / K): scales row block n (rows n*K .. n*K+K-1) by s(n).
/// K is explicit: scale_row_blocks<F>(ctx, state, dec).
template <int K, int R, int W, int N>
IDA_DEVICE void scale_row_blocks(TileCtx &, Tile<R, W> &t, const Tile<1, N> &s) {
  static_assert(R == N * K, "row blocks must tile the rows");
  for (int n = 0; n < N; ++n) {
    const float sv = s.a[0][n];
    for (int r = n * K; r < (n + 1) * K; ++r)
      for (int j = 0; j < W; ++j)
        t.a[r][j] *= sv;
  }
}

/// dst(j, i) = src(i, j).
template <int R, int K>
IDA_DEVICE void transpose(TileCtx &, Tile<K, R> &dst, const Tile<R, K> &src) {
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < K; ++j)
      dst.a[j][i] = src.a[i][j];
}

// ---------------------------------------------------------------------------
// Scans and reductions. "Rows" = the first index (time inside a chunk).
// ---------------------------------------------------------------------------

/// Inclusive cumulative sum down the rows: t(i, j) = sum_{i' <= i} t(i', j).
template <int R, int K> IDA_DEVICE void cumsum_rows(TileCtx &, Tile<R, K> &t) {
  for (int i = 1; i < R; ++i)
    for (int j = 0; j < K; ++j)
      t.a[i][j] += t.a[i - 1][j];
}

/// Reverse inclusive cumulative sum: t(i, j) = sum_{i' >= i} t(i', j).
template <int R, int K>
IDA_DEVICE void rev_cumsum_rows(TileCtx &, Tile<R, K> &t) {
  for (int i = R - 2; i >= 0; --i)
    for (int j = 0; j < K; ++j)
      t.a[i][j] += t.a[i + 1][j];
}

/// out(i, 0) = sum_j t(i, j).
template <int R, int K>
IDA_DEVICE void row_sum(TileCtx &, Tile<R, 1> &out, const Tile<R, K> &t) {
  for (int i = 0; i < R; ++i) {
    float s = 0.0f;
    for (int j = 0; j < K; ++j)
      s += t.a[i][j];
    out.a[i][0] = s;
  }
}

/// out(i, 0) = max_j t(i, j).
template <int R, int K>
IDA_DEVICE void row_max(TileCtx &, Tile<R, 1> &out, const Tile<R, K> &t) {
  for (int i = 0; i < R; ++i) {
    float m = t.a[i][0];
    for (int j = 1; j < K; ++j)
      m = t.a[i][j] > m ? t.a[i][j] : m;
    out.a[i][0] = m;
  }
}

/// out(i, 0) = sum_j a(i, j) * b(i, j).
template <int R, int K>
IDA_DEVICE void row_dot(TileCtx &, Tile<R, 1> &out, const Tile<R, K> &x,
                        const Tile<R, K> &y) {
  for (int i = 0; i < R; ++i) {
    float s = 0.0f;
    for (int j = 0; j < K; ++j)
      s += x.a[i][j] * y.a[i][j];
    out.a[i][0] = s;
  }
}

/// out(0, j) = sum_i t(i, j) (reduction over time).
template <int R, int K>
IDA_DEVICE void col_sum(TileCtx &, Tile<1, K> &out, const Tile<R, K> &t) {
  for (int j = 0; j < K; ++j)
    out.a[0][j] = 0.0f;
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < K; ++j)
      out.a[0][j] += t.a[i][j];
}

// ---------------------------------------------------------------------------
// Causal masks and decay matrices.
// ---------------------------------------------------------------------------

/// Zero the strictly upper triangle (j > i + offset) of a square-ish tile.
template <int R, int K>
IDA_DEVICE void causal_mask(TileCtx &, Tile<R, K> &t, int offset = 0,
                            float fill_value = 0.0f) {
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < K; ++j)
      t.a[i][j] = j > i + offset ? fill_value : t.a[i][j];
}

/// out(i, j) = exp(Lrow(i, n) - Lcol(n, j)) for j <= i, else 0, where Lcol is
/// the transposed log-decay tile. The exponent is a difference of cumulative
/// log decays (<= 0 on the causal part), never a ratio of exponentials.
template <int C, int N>
IDA_DEVICE void causal_exp_diff(TileCtx &, Tile<C, C> &out,
                                const Tile<C, N> &Lrow, const Tile<N, C> &Lcol,
                                int n) {
  for (int i = 0; i < C; ++i) {
    const float li = Lrow.a[i][n];
    for (int j = 0; j < C; ++j) {
      float e = fast_exp(li - Lcol.a[n][j]);
      out.a[i][j] = j <= i ? e : 0.0f;
    }
  }
}

/// The decay-weighted causal mixing matrix of spec §5:
///   out(i, j) = wcol(j) * sum_n wrow(i, n) exp(Lrow(i, n) - Lcol(n, j))  for j <= i,
///   out(i, j) = 0                                                        for j > i.
/// (IDA: wrow = gamma, wcol = beta, Lcol = L^T.) Loops run n outside and j
/// inside over contiguous memory so the exponentials vectorize; columns past
/// the diagonal's vector block are not computed.
template <int C, int N>
IDA_DEVICE void causal_decay_mix(TileCtx &, Tile<C, C> &out, const Tile<C, N> &wrow,
                                 const Tile<C, N> &Lrow, const Tile<N, C> &Lcol,
                                 const Tile<C, 1> &wcol) {
  const float *IDA_RESTRICT wc = &wcol.a[0][0];
  for (int i = 0; i < C; ++i) {
    float *IDA_RESTRICT o = out.a[i];
    const int jend = (i + 8) / 8 * 8 < C ? (i + 8) / 8 * 8 : C;
    for (int j = 0; j < C; ++j)
      o[j] = 0.0f;
    for (int n = 0; n < N; ++n) {
      const float w = wrow.a[i][n], l = Lrow.a[i][n];
      const float *IDA_RESTRICT lc = Lcol.a[n];
      for (int j = 0; j < jend; ++j)
        o[j] += w * fast_exp(l - lc[j]);
    }
    for (int j = 0; j < jend; ++j)
      o[j] = j <= i ? o[j] * wc[j] : 0.0f;
  }
}

// ---------------------------------------------------------------------------
// Matrix products. All accumulate in fp32; `accumulate` adds to C instead of
// overwriting it.
// ---------------------------------------------------------------------------

namespace detail {

/// 8 floats in one AVX register; GCC vector extensions (portable across
/// GCC targets) rather than intrinsics. aligned(4): tiles rows need not be
/// 32-byte aligned at every column offset.
typedef float v8f __attribute__((vector_size(32), aligned(4), may_alias));

// By reference, not by value: vector arguments/returns trigger -Wpsabi
// notes when a TU is built without -mavx (the code is inlined either way).
IDA_DEVICE void load8(v8f &v, const float *p) { v = *(const v8f *)p; }
IDA_DEVICE void store8(float *p, const v8f &v) { *(v8f *)p = v; }

/// Rows [i0, i0 + MR) x columns [j0, j0 + 8 * NB) of C[M][N] (+)= A(i, k) B[k][N]:
/// MR x NB accumulator registers live across the whole k loop, each k step
/// loads NB vectors of B and broadcasts MR scalars of A.
template <int MR, int NB, int N, int K, int SAi, int SAk>
IDA_DEVICE void mm_micro(float *IDA_RESTRICT c, const float *IDA_RESTRICT a,
                         const float *IDA_RESTRICT b, int i0, int j0, bool accumulate) {
  v8f r[MR][NB];
  for (int ii = 0; ii < MR; ++ii)
    for (int h = 0; h < NB; ++h)
      if (accumulate)
        load8(r[ii][h], c + (i0 + ii) * N + j0 + 8 * h);
      else
        r[ii][h] = (v8f){};
  for (int k = 0; k < K; ++k) {
    v8f bv[NB];
    for (int h = 0; h < NB; ++h)
      load8(bv[h], b + k * N + j0 + 8 * h);
    for (int ii = 0; ii < MR; ++ii) {
      const v8f av = (v8f){} + a[(i0 + ii) * SAi + k * SAk];
      for (int h = 0; h < NB; ++h)
        r[ii][h] += av * bv[h];
    }
  }
  for (int ii = 0; ii < MR; ++ii)
    for (int h = 0; h < NB; ++h)
      store8(c + (i0 + ii) * N + j0 + 8 * h, r[ii][h]);
}

/// C[M][N] (+)= A(i, k) * B[K][N] with A(i, k) = a[i * SAi + k * SAk].
/// Register blocks of 12 accumulators: 3 x 32 columns when N is a multiple
/// of 32 (measured best on Zen 3: 64 of ~78 GFLOP/s per core), 4 x 16 or
/// 6 x 8 otherwise, single rows for the leftover; N not a multiple of 8:
/// plain i-k-j loops (still vectorized along j).
template <int M, int N, int K, int SAi, int SAk>
IDA_DEVICE void mm_core(float *IDA_RESTRICT c, const float *IDA_RESTRICT a,
                        const float *IDA_RESTRICT b, bool accumulate) {
  if constexpr (N % 8 == 0) {
    constexpr int NB = (N % 32 == 0) ? 4 : (N % 16 == 0) ? 2 : 1;
    constexpr int MR = 12 / NB;
    constexpr int MB = M / MR * MR;
    for (int j0 = 0; j0 < N; j0 += 8 * NB) {
      for (int i0 = 0; i0 < MB; i0 += MR)
        mm_micro<MR, NB, N, K, SAi, SAk>(c, a, b, i0, j0, accumulate);
      for (int i0 = MB; i0 < M; ++i0)
        mm_micro<1, NB, N, K, SAi, SAk>(c, a, b, i0, j0, accumulate);
    }
  } else {
    for (int i = 0; i < M; ++i) {
      float *crow = c + i * N;
      if (!accumulate)
        for (int j = 0; j < N; ++j)
          crow[j] = 0.0f;
      for (int k = 0; k < K; ++k) {
        const float av = a[i * SAi + k * SAk];
        const float *brow = b + k * N;
        for (int j = 0; j < N; ++j)
          crow[j] += av * brow[j];
      }
    }
  }
}

} // namespace detail

/// C = A B (+ C): A [M,K], B [K,N].
template <int M, int N, int K>
IDA_DEVICE void mm_nn(TileCtx &, Tile<M, N> &c, const Tile<M, K> &a,
                      const Tile<K, N> &b, bool accumulate = false) {
  detail::mm_core<M, N, K, K, 1>(c.data(), a.data(), b.data(), accumulate);
}

/// C = A^T B (+ C): A [K,M], B [K,N]. The CPU version transposes A into a
/// local buffer first: reading A down its columns inside the micro-kernel
/// made GCC vectorize across the wrong index (measured 7x slower).
template <int M, int N, int K>
IDA_DEVICE void mm_tn(TileCtx &ctx, Tile<M, N> &c, const Tile<K, M> &a,
                      const Tile<K, N> &b, bool accumulate = false) {
  Tile<M, K> at;
  transpose(ctx, at, a);
  detail::mm_core<M, N, K, K, 1>(c.data(), at.data(), b.data(), accumulate);
}

/// C = A B^T (+ C): A [M,K], B [N,K]. The CPU version transposes B into a
/// local buffer first so the inner loop runs over contiguous memory.
template <int M, int N, int K>
IDA_DEVICE void mm_nt(TileCtx &ctx, Tile<M, N> &c, const Tile<M, K> &a,
                      const Tile<N, K> &b, bool accumulate = false) {
  Tile<K, N> bt;
  transpose(ctx, bt, b);
  detail::mm_core<M, N, K, K, 1>(c.data(), a.data(), bt.data(), accumulate);
}

} // namespace idat

#endif // IDA_TEMPLATES_TILE_CPU_TILE_CPU_H

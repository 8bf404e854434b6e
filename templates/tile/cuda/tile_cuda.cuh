//===- templates/tile/cuda/tile_cuda.cuh - tile API, CUDA target -*- C++ -*-===//
//
// The CUDA implementation of the tile API (docs/templates.md, "Tile API";
// docs/cuda.md, "CUDA tile API"): the same names, signatures and semantics
// as tile/cpu/tile_cpu.h, for one thread block running one program.
//
//   * A program instance = one thread block of IDA_CFG_NUM_WARPS warps
//     (the block must be launched with exactly 32 * IDA_CFG_NUM_WARPS
//     threads; make_ctx() traps otherwise).
//   * Every op is a collective of the whole block and ends with
//     __syncthreads(), so a program may read any element of a tile after the
//     op that wrote it.
//   * Tiles live in DYNAMIC shared memory (the static limit is 48 KB, the
//     scan kernels need far more): on this target a Tile is a handle (one
//     byte offset) into a per-block arena at the start of the dynamic shared
//     memory, allocated when the tile is constructed and released (stack
//     order) when it goes out of scope. IDA_SHARED is therefore empty: a
//     program's `IDA_SHARED ChunkTiles<...> s;` is a per-thread struct of
//     handles whose tiles are shared by the block. Every thread performs the
//     same allocations in the same order, so all threads agree on every
//     offset, and the offsets fold to compile-time constants (no registers).
//     The launch should provide enough dynamic shared memory (at least the
//     8 * threads bytes of the arena header plus the tiles). When it does
//     not, the allocation that passes %dynamic_smem_size records what the
//     block needed in the module's ida_arena_status and every thread of the
//     block leaves the kernel (PTX exit): the outputs are not written, the
//     CUDA context survives and the runtime reports the overflow (docs/
//     cuda.md). After run(), ida_cuda_arena_peak() gives the bytes the
//     program used; the kernel wrappers record it with
//     ida_cuda_arena_record_peak() (docs/cuda.md has the sizes of the
//     presets).
//   * Rows are padded to an odd stride (K | 1 floats) so column walks and
//     transposed matmul operands are free of bank conflicts; the layout is
//     private to this file (programs only use t(i, j)).
//
// Text only, NVRTC-compatible: no includes except <stdint.h> (from the ABI
// header) and <cuda_bf16.h>/<cuda_fp16.h> for bf16/f16 inputs (define
// IDA_CUDA_NO_HALF to leave them out).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_TILE_CUDA_TILE_CUDA_CUH
#define IDA_TEMPLATES_TILE_CUDA_TILE_CUDA_CUH

#include <stdint.h>
#ifndef IDA_CUDA_NO_HALF
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif

#define IDA_TARGET_CUDA 1
/// Qualifies functions callable from kernel programs.
#define IDA_DEVICE __device__ __forceinline__
/// Storage class of tiles a program declares: empty on CUDA, because tiles
/// are handles into the block's dynamic shared-memory arena (see above).
#define IDA_SHARED
/// Before a loop whose body is a whole program phase (e.g. the backward's
/// value tiles): unrolling it only multiplies live ranges (ptxas spilled).
#define IDA_NO_UNROLL _Pragma("unroll 1")
#define IDA_RESTRICT __restrict__
/// Helpers shared by host code and programs (ScanShape::num_chunks, ...).
#define IDA_HOST_DEVICE __host__ __device__

// Block size; scan_params.h gives the same default (it comes later in the
// concatenation order, and both use #ifndef).
#ifndef IDA_CFG_NUM_WARPS
#define IDA_CFG_NUM_WARPS 4
#endif
// Tensor cores for matrix products whose sizes are multiples of the mma
// shape (M % 16, N % 8, K % 16; others stay fp32), through mma.sync m16n8k16
// with bf16 operands and fp32 accumulation (sm_80+; docs/cuda.md):
// 2: "split bf16" (bf16x3): each fp32 operand x = hi + lo with
//    hi = bf16(x), lo = bf16(x - hi), and C += A_lo B_hi + A_hi B_lo +
//    A_hi B_hi: about 16 significant bits per operand, close to fp32 (at
//    most 8.6e-6 relative error in the emulation test), at three mma per
//    product. The default of bf16/f16 bundles: their fp32 intermediates
//    (states, chunk scores) keep their precision.
// 1: one bf16 mma with the operands rounded to bf16: about 3 significant
//    digits per product (parameter gradients miss even bf16's 1e-2), so an
//    opt-in trading accuracy for speed.
// 0 (default): fp32 on the CUDA cores everywhere.
#ifndef IDA_CFG_MMA
#define IDA_CFG_MMA 0
#endif
#if IDA_CFG_MMA < 0 || IDA_CFG_MMA > 2
#error "IDA_CFG_MMA must be 0 (fp32), 1 (bf16 mma) or 2 (split-bf16 mma)"
#endif

/// The block's dynamic shared memory: [per-thread arena tops | per-thread
/// peaks | padding to 128 bytes | tiles ...].
extern __shared__ __align__(128) unsigned char ida_smem[];

/// The module's arena status (IdaArenaStatus in ida_abi.h): what blocks that
/// ran out of arena needed, and the largest peak of the blocks that did not.
/// extern "C" so the runtime finds it by the plain name
/// IDA_ARENA_STATUS_SYMBOL with cuModuleGetGlobal; a definition (braces), as
/// every generated source is one translation unit.
extern "C" {
__device__ IdaArenaStatus ida_arena_status;
}

namespace idat {

namespace detail {

constexpr int kThreads = 32 * IDA_CFG_NUM_WARPS;
/// Byte offset of the first tile.
constexpr unsigned kArenaBase = ((8u * kThreads) + 127u) / 128u * 128u;

IDA_DEVICE unsigned *arena_top() { return reinterpret_cast<unsigned *>(ida_smem); }
IDA_DEVICE unsigned *arena_peak() {
  return reinterpret_cast<unsigned *>(ida_smem) + kThreads;
}
IDA_DEVICE unsigned dynamic_smem_size() {
#ifdef IDA_CUDA_EMULATION // host emulation in tests/unit/cuda_templates
  return ida_emu_dynamic_smem_size();
#else
  unsigned r;
  asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(r));
  return r;
#endif
}

/// Ends the calling thread (PTX exit): it runs nothing further, not even
/// the kernel wrapper's epilogue. Telling the compiler so (unreachable)
/// matters: without it every allocation site became a join the backward's
/// registers had to survive, and it spilled (normalize, sm_90: 48/104 bytes;
/// with it 195 registers and no spills, where the old __trap took 255).
IDA_DEVICE void thread_exit() {
#ifdef IDA_CUDA_EMULATION // host emulation in tests/unit/cuda_templates
  ida_emu_exit();
#else
  asm volatile("exit;");
#endif
  __builtin_unreachable();
}

/// The block's tiles need `need` bytes but the launch gave `have`: record it
/// in ida_arena_status (the worst overflow wins, need and have packed into
/// one word so they stay a pair) and leave the kernel.
///
/// Every thread of the block gets here, at the same allocation, so no thread
/// is left waiting at a barrier: allocations are block-uniform. Tiles are
/// declared only by programs, in block-uniform control flow (docs/cuda.md,
/// "Execution model"; the ops never declare tiles); every thread starts at
/// the same top (make_ctx), adds the same compile-time sizes in the same
/// order (arena_alloc / arena_free read only its own top), and compares with
/// %dynamic_smem_size, which is the same for the whole block. Between the
/// last barrier before the failing allocation and the allocation there is no
/// barrier (one would hold every thread there), so all threads reach it and
/// exit. Every thread records (the same values): the path costs nothing
/// while tiles fit, and a recorded overflow never depends on which thread
/// came first.
IDA_DEVICE void arena_overflow(unsigned need, unsigned have) {
  atomicMax(&ida_arena_status.overflow,
            ((unsigned long long)need << 32) | (unsigned long long)have);
  thread_exit();
}

/// Reserves `bytes` (a multiple of 16) in the arena; every thread of the
/// block makes the same calls in the same order, so the offsets are the same
/// constants in every thread. Past the launch's dynamic shared memory the
/// block records the overflow and exits (arena_overflow): aliasing the tile
/// instead would keep computing, but turn every offset into a run-time value
/// (one register per tile; the backward spilled) and produce garbage. No
/// printf: a call makes ptxas save registers around it.
IDA_DEVICE unsigned arena_alloc(unsigned bytes) {
  unsigned *top = arena_top() + threadIdx.x;
  const unsigned off = *top;
  *top = off + bytes;
  const unsigned have = dynamic_smem_size();
  if (off + bytes > have)
    arena_overflow(off + bytes, have);
  return off;
}

/// Releases the most recent allocation of `bytes`. The barrier keeps a
/// thread from reusing the space while another still reads the old tile.
/// The peak is recorded here: every tile is released at the latest when the
/// program returns, and the top just before a release is at least every top
/// reached since the previous release.
IDA_DEVICE void arena_free(unsigned bytes) {
  __syncthreads();
  unsigned *top = arena_top() + threadIdx.x;
  unsigned *peak = arena_peak() + threadIdx.x;
  *peak = *top > *peak ? *top : *peak;
  *top -= bytes;
}

} // namespace detail

/// Execution context of one program instance: the thread's coordinates.
struct TileCtx {
  int tid;  // 0 .. 32 * IDA_CFG_NUM_WARPS - 1
  int lane; // tid % 32
  int warp; // tid / 32
};

/// Starts a program: checks the block shape and resets the arena. Must be
/// called (once) before the program declares tiles.
IDA_DEVICE TileCtx make_ctx() {
  if (blockDim.x != (unsigned)detail::kThreads || blockDim.y != 1 || blockDim.z != 1) {
    __trap();
  }
  // Not even room for the arena's header (writing it would fault and lose
  // the context): an overflow like any other.
  const unsigned have = detail::dynamic_smem_size();
  if (have < detail::kArenaBase)
    detail::arena_overflow(detail::kArenaBase, have);
  TileCtx c;
  c.tid = (int)threadIdx.x;
  c.lane = c.tid & 31;
  c.warp = c.tid >> 5;
  detail::arena_top()[c.tid] = detail::kArenaBase;
  detail::arena_peak()[c.tid] = detail::kArenaBase;
  return c;
}

/// Bytes of dynamic shared memory the program of this block used (arena
/// high-water mark, header included), complete once run() has returned (it
/// is recorded when tiles are released). For wrappers and tests.
IDA_DEVICE unsigned ida_cuda_arena_peak() { return detail::arena_peak()[threadIdx.x]; }

/// The kernel wrappers' epilogue, after run() (codegen's CUDA wrapper,
/// tests/gpu): records the block's arena peak in ida_arena_status, where the
/// runtime reads it (CompiledKernel::arenaPeak). Every thread has the same
/// peak, so thread 0 alone records it: one atomic per block.
IDA_DEVICE void ida_cuda_arena_record_peak() {
  if (threadIdx.x == 0)
    atomicMax(&ida_arena_status.peak, ida_cuda_arena_peak());
}

/// A dense R x K fp32 tile in the block's shared memory (a handle: the data
/// is shared by the block, the handle is per thread). Not copyable.
template <int R, int K> struct Tile {
  static_assert(R > 0 && K > 0, "tile sizes must be positive");
  static constexpr int rows = R;
  static constexpr int cols = K;
  /// Row stride in floats: odd, so walks down a column hit distinct banks.
  static constexpr int ld = K | 1;
  static constexpr unsigned bytes = ((unsigned)(R * ld) * 4u + 15u) / 16u * 16u;
  unsigned off; // byte offset into ida_smem

  IDA_DEVICE Tile() : off(detail::arena_alloc(bytes)) {}
  IDA_DEVICE ~Tile() { detail::arena_free(bytes); }
  Tile(const Tile &) = delete;
  Tile &operator=(const Tile &) = delete;

  IDA_DEVICE float *data() const { return reinterpret_cast<float *>(ida_smem + off); }
  IDA_DEVICE float &operator()(int i, int j) { return data()[i * ld + j]; }
  IDA_DEVICE const float &operator()(int i, int j) const { return data()[i * ld + j]; }
};

// ---------------------------------------------------------------------------
// Scalar helpers (device functions, usable inside map lambdas).
// ---------------------------------------------------------------------------

/// exp(x) clamped to [-87, 88] like the CPU version (never inf, never a
/// denormal); CUDA's expf is accurate to 2 ulp.
IDA_DEVICE float fast_exp(float x) {
  x = x < 88.0f ? x : 88.0f;
  x = x > -87.0f ? x : -87.0f;
  return expf(x);
}

/// x < 0 ? if_neg : otherwise, decided on the sign bit (-0.0 counts as
/// negative), exactly like the CPU version.
IDA_DEVICE float select_neg(float x, float if_neg, float otherwise) {
  return __float_as_int(x) < 0 ? if_neg : otherwise;
}
/// max(x, 0) (see select_neg).
IDA_DEVICE float relu(float x) { return select_neg(x, 0.0f, x); }

/// softplus(x) = log(1 + exp(x)), stable for large |x|.
IDA_DEVICE float softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }
IDA_DEVICE float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/// Input element conversion: fp32, fp64, bf16 and f16 inputs.
IDA_DEVICE float to_f32(float x) { return x; }
IDA_DEVICE float to_f32(double x) { return (float)x; }
IDA_DEVICE void from_f32(float &dst, float x) { dst = x; }
IDA_DEVICE void from_f32(double &dst, float x) { dst = x; }
#ifndef IDA_CUDA_NO_HALF
IDA_DEVICE float to_f32(__nv_bfloat16 x) { return __bfloat162float(x); }
IDA_DEVICE float to_f32(__half x) { return __half2float(x); }
IDA_DEVICE void from_f32(__nv_bfloat16 &dst, float x) { dst = __float2bfloat16_rn(x); }
IDA_DEVICE void from_f32(__half &dst, float x) { dst = __float2half_rn(x); }
#endif

namespace detail {
IDA_DEVICE float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
IDA_DEVICE float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float w = __shfl_xor_sync(0xffffffffu, v, o);
    v = w > v ? w : v;
  }
  return v;
}
} // namespace detail

// ---------------------------------------------------------------------------
// Initialisation, loads and stores. Elements are split over the block in
// row-major order, so consecutive threads touch consecutive columns
// (coalesced global accesses).
// ---------------------------------------------------------------------------

template <int R, int K> IDA_DEVICE void fill(TileCtx &ctx, Tile<R, K> &t, float v) {
  float *p = t.data();
  for (int e = ctx.tid; e < R * K; e += detail::kThreads)
    p[(e / K) * Tile<R, K>::ld + e % K] = v;
  __syncthreads();
}

template <int R, int K>
IDA_DEVICE void copy(TileCtx &ctx, Tile<R, K> &dst, const Tile<R, K> &src) {
  float *d = dst.data();
  const float *s = src.data();
  for (int e = ctx.tid; e < R * K; e += detail::kThreads) {
    const int x = (e / K) * Tile<R, K>::ld + e % K;
    d[x] = s[x];
  }
  __syncthreads();
}

/// t(i, j) = base[i * row_stride + j] for i < rows_valid and j < cols_valid,
/// zero elsewhere.
template <int R, int K, class T>
IDA_DEVICE void load(TileCtx &ctx, Tile<R, K> &t, const T *IDA_RESTRICT base,
                     int64_t row_stride, int rows_valid, int cols_valid = K) {
  float *p = t.data();
  for (int e = ctx.tid; e < R * K; e += detail::kThreads) {
    const int i = e / K, j = e % K;
    float v = 0.0f;
    if (i < rows_valid && j < cols_valid)
      v = to_f32(base[(int64_t)i * row_stride + j]);
    p[i * Tile<R, K>::ld + j] = v;
  }
  __syncthreads();
}

/// t(i, col) = base[i * stride] for i < rows_valid, zero below; other
/// columns untouched.
template <int R, int K, class T>
IDA_DEVICE void load_column(TileCtx &ctx, Tile<R, K> &t, int col,
                            const T *IDA_RESTRICT base, int64_t stride, int rows_valid) {
  float *p = t.data();
  for (int i = ctx.tid; i < R; i += detail::kThreads)
    p[i * Tile<R, K>::ld + col] = i < rows_valid ? to_f32(base[(int64_t)i * stride]) : 0.0f;
  __syncthreads();
}

/// base[i * row_stride + j] = t(i, col0 + j) for i < rows_valid and
/// j < cols_valid; nothing else is written.
template <int R, int K, class T>
IDA_DEVICE void store(TileCtx &ctx, const Tile<R, K> &t, T *IDA_RESTRICT base,
                      int64_t row_stride, int rows_valid, int cols_valid = K, int col0 = 0) {
  const float *p = t.data();
  for (int e = ctx.tid; e < R * K; e += detail::kThreads) {
    const int i = e / K, c = e % K, j = c - col0;
    if (i < rows_valid && j >= 0 && j < cols_valid)
      from_f32(base[(int64_t)i * row_stride + j], p[i * Tile<R, K>::ld + c]);
  }
  __syncthreads();
}

/// base[i * stride] = t(i, col) for i < rows_valid.
template <int R, int K, class T>
IDA_DEVICE void store_column(TileCtx &ctx, const Tile<R, K> &t, int col,
                             T *IDA_RESTRICT base, int64_t stride, int rows_valid) {
  const float *p = t.data();
  for (int i = ctx.tid; i < R && i < rows_valid; i += detail::kThreads)
    from_f32(base[(int64_t)i * stride], p[i * Tile<R, K>::ld + col]);
  __syncthreads();
}

// ---------------------------------------------------------------------------
// Elementwise maps: one element per thread, block-stride over R*K.
// ---------------------------------------------------------------------------

template <int R, int K, class Fn>
IDA_DEVICE void map(TileCtx &ctx, Tile<R, K> &t, Fn f) {
  float *p = t.data();
  for (int e = ctx.tid; e < R * K; e += detail::kThreads) {
    const int x = (e / K) * Tile<R, K>::ld + e % K;
    p[x] = f(p[x]);
  }
  __syncthreads();
}

/// t(i, j) = f(i, j). f may read t(i, j) itself but no other element of t
/// (the writes of the block are concurrent).
template <int R, int K, class Fn>
IDA_DEVICE void map_idx(TileCtx &ctx, Tile<R, K> &t, Fn f) {
  float *p = t.data();
  for (int e = ctx.tid; e < R * K; e += detail::kThreads) {
    const int i = e / K, j = e % K;
    const float v = f(i, j);
    p[i * Tile<R, K>::ld + j] = v;
  }
  __syncthreads();
}

/// Per-row Kronecker product: out(i, n * K + k) = s(i, n) * x(i, k).
template <int R, int N, int K>
IDA_DEVICE void row_kron(TileCtx &ctx, Tile<R, N * K> &out, const Tile<R, N> &s,
                         const Tile<R, K> &x) {
  float *p = out.data();
  for (int e = ctx.tid; e < R * N * K; e += detail::kThreads) {
    const int i = e / (N * K), c = e % (N * K);
    p[i * Tile<R, N * K>::ld + c] = s(i, c / K) * x(i, c % K);
  }
  __syncthreads();
}

/// Per-column Kronecker product: out(n * K + k, j) = s(n, j) * x(k, j).
template <int C, int N, int K>
IDA_DEVICE void col_kron(TileCtx &ctx, Tile<N * K, C> &out, const Tile<N, C> &s,
                         const Tile<K, C> &x) {
  float *p = out.data();
  for (int e = ctx.tid; e < N * K * C; e += detail::kThreads) {
    const int r = e / C, j = e % C;
    p[r * Tile<N * K, C>::ld + j] = s(r / K, j) * x(r % K, j);
  }
  __syncthreads();
}

/// t(r, j) *= s(0, r / K): scales row block n (rows n*K .. n*K+K-1) by s(n).
template <int K, int R, int W, int N>
IDA_DEVICE void scale_row_blocks(TileCtx &ctx, Tile<R, W> &t, const Tile<1, N> &s) {
  static_assert(R == N * K, "row blocks must tile the rows");
  float *p = t.data();
  for (int e = ctx.tid; e < R * W; e += detail::kThreads) {
    const int r = e / W, j = e % W;
    p[r * Tile<R, W>::ld + j] *= s(0, r / K);
  }
  __syncthreads();
}

/// dst(j, i) = src(i, j).
template <int R, int K>
IDA_DEVICE void transpose(TileCtx &ctx, Tile<K, R> &dst, const Tile<R, K> &src) {
  float *d = dst.data();
  const float *s = src.data();
  for (int e = ctx.tid; e < R * K; e += detail::kThreads) {
    const int i = e / K, j = e % K;
    d[j * Tile<K, R>::ld + i] = s[i * Tile<R, K>::ld + j];
  }
  __syncthreads();
}

// ---------------------------------------------------------------------------
// Scans and reductions.
// ---------------------------------------------------------------------------

/// Inclusive cumulative sum down the rows: one thread per column, in row
/// order (the CPU's summation order).
template <int R, int K> IDA_DEVICE void cumsum_rows(TileCtx &ctx, Tile<R, K> &t) {
  float *p = t.data();
  for (int j = ctx.tid; j < K; j += detail::kThreads) {
    float s = 0.0f;
    for (int i = 0; i < R; ++i) {
      s += p[i * Tile<R, K>::ld + j];
      p[i * Tile<R, K>::ld + j] = s;
    }
  }
  __syncthreads();
}

/// Reverse inclusive cumulative sum: t(i, j) = sum_{i' >= i} t(i', j).
template <int R, int K> IDA_DEVICE void rev_cumsum_rows(TileCtx &ctx, Tile<R, K> &t) {
  float *p = t.data();
  for (int j = ctx.tid; j < K; j += detail::kThreads) {
    float s = 0.0f;
    for (int i = R - 1; i >= 0; --i) {
      s += p[i * Tile<R, K>::ld + j];
      p[i * Tile<R, K>::ld + j] = s;
    }
  }
  __syncthreads();
}

/// out(i, 0) = sum_j t(i, j): one warp per row, shuffle reduction.
template <int R, int K>
IDA_DEVICE void row_sum(TileCtx &ctx, Tile<R, 1> &out, const Tile<R, K> &t) {
  const float *p = t.data();
  for (int i = ctx.warp; i < R; i += IDA_CFG_NUM_WARPS) {
    float s = 0.0f;
    for (int j = ctx.lane; j < K; j += 32)
      s += p[i * Tile<R, K>::ld + j];
    s = detail::warp_sum(s);
    if (ctx.lane == 0)
      out(i, 0) = s;
  }
  __syncthreads();
}

/// out(i, 0) = max_j t(i, j).
template <int R, int K>
IDA_DEVICE void row_max(TileCtx &ctx, Tile<R, 1> &out, const Tile<R, K> &t) {
  const float *p = t.data();
  for (int i = ctx.warp; i < R; i += IDA_CFG_NUM_WARPS) {
    float m = p[i * Tile<R, K>::ld];
    for (int j = ctx.lane; j < K; j += 32) {
      const float v = p[i * Tile<R, K>::ld + j];
      m = v > m ? v : m;
    }
    m = detail::warp_max(m);
    if (ctx.lane == 0)
      out(i, 0) = m;
  }
  __syncthreads();
}

/// out(i, 0) = sum_j x(i, j) * y(i, j).
template <int R, int K>
IDA_DEVICE void row_dot(TileCtx &ctx, Tile<R, 1> &out, const Tile<R, K> &x,
                        const Tile<R, K> &y) {
  const float *px = x.data();
  const float *py = y.data();
  for (int i = ctx.warp; i < R; i += IDA_CFG_NUM_WARPS) {
    float s = 0.0f;
    for (int j = ctx.lane; j < K; j += 32)
      s += px[i * Tile<R, K>::ld + j] * py[i * Tile<R, K>::ld + j];
    s = detail::warp_sum(s);
    if (ctx.lane == 0)
      out(i, 0) = s;
  }
  __syncthreads();
}

/// out(0, j) = sum_i t(i, j): one thread per column, in row order.
template <int R, int K>
IDA_DEVICE void col_sum(TileCtx &ctx, Tile<1, K> &out, const Tile<R, K> &t) {
  const float *p = t.data();
  for (int j = ctx.tid; j < K; j += detail::kThreads) {
    float s = 0.0f;
    for (int i = 0; i < R; ++i)
      s += p[i * Tile<R, K>::ld + j];
    out(0, j) = s;
  }
  __syncthreads();
}

// ---------------------------------------------------------------------------
// Causal masks and decay matrices.
// ---------------------------------------------------------------------------

template <int R, int K>
IDA_DEVICE void causal_mask(TileCtx &ctx, Tile<R, K> &t, int offset = 0,
                            float fill_value = 0.0f) {
  float *p = t.data();
  for (int e = ctx.tid; e < R * K; e += detail::kThreads) {
    const int i = e / K, j = e % K;
    if (j > i + offset)
      p[i * Tile<R, K>::ld + j] = fill_value;
  }
  __syncthreads();
}

/// out(i, j) = exp(Lrow(i, n) - Lcol(n, j)) for j <= i, else 0.
template <int C, int N>
IDA_DEVICE void causal_exp_diff(TileCtx &ctx, Tile<C, C> &out, const Tile<C, N> &Lrow,
                                const Tile<N, C> &Lcol, int n) {
  float *p = out.data();
  for (int e = ctx.tid; e < C * C; e += detail::kThreads) {
    const int i = e / C, j = e % C;
    const float v = fast_exp(Lrow(i, n) - Lcol(n, j));
    p[i * Tile<C, C>::ld + j] = j <= i ? v : 0.0f;
  }
  __syncthreads();
}

/// out(i, j) = wcol(j) * sum_n wrow(i, n) exp(Lrow(i, n) - Lcol(n, j)) for
/// j <= i, else 0 (the decay-weighted causal mixing matrix of spec §5).
template <int C, int N>
IDA_DEVICE void causal_decay_mix(TileCtx &ctx, Tile<C, C> &out, const Tile<C, N> &wrow,
                                 const Tile<C, N> &Lrow, const Tile<N, C> &Lcol,
                                 const Tile<C, 1> &wcol) {
  float *p = out.data();
  for (int e = ctx.tid; e < C * C; e += detail::kThreads) {
    const int i = e / C, j = e % C;
    float v = 0.0f;
    if (j <= i) {
#pragma unroll
      for (int n = 0; n < N; ++n)
        v += wrow(i, n) * fast_exp(Lrow(i, n) - Lcol(n, j));
      v *= wcol(j, 0);
    }
    p[i * Tile<C, C>::ld + j] = v;
  }
  __syncthreads();
}

// ---------------------------------------------------------------------------
// Matrix products, fp32 on the CUDA cores: each thread owns TM x TN outputs
// (TM consecutive rows, TN columns NB apart so a warp's lanes read
// consecutive B columns), accumulates over k in registers and writes once.
// Operands are read from shared memory with the padded (odd) row stride.
// ---------------------------------------------------------------------------

namespace detail {

/// C(i, j) (+)= sum_k a[i*SAi + k*SAk] * b[k*SBk + j*SBj].
template <int M, int N, int K, int SAi, int SAk, int SBk, int SBj>
IDA_DEVICE void mm_core(const TileCtx &ctx, float *c, const float *a, const float *b,
                        bool accumulate) {
  constexpr int LDC = N | 1;
  constexpr int TM = M >= 4 ? 4 : M;
  constexpr int TN = N >= 4 ? 4 : N;
  constexpr int MB = (M + TM - 1) / TM;
  constexpr int NB = (N + TN - 1) / TN;
  for (int mt = ctx.tid; mt < MB * NB; mt += kThreads) {
    const int i0 = (mt / NB) * TM;
    const int jb = mt % NB;
    int ia[TM], jbv[TN];
#pragma unroll
    for (int ii = 0; ii < TM; ++ii)
      ia[ii] = (i0 + ii < M ? i0 + ii : M - 1);
#pragma unroll
    for (int jj = 0; jj < TN; ++jj)
      jbv[jj] = (jb + jj * NB < N ? jb + jj * NB : N - 1);
    float r[TM][TN];
#pragma unroll
    for (int ii = 0; ii < TM; ++ii)
#pragma unroll
      for (int jj = 0; jj < TN; ++jj)
        r[ii][jj] = 0.0f;
#pragma unroll 2
    for (int k = 0; k < K; ++k) {
      float av[TM], bv[TN];
#pragma unroll
      for (int ii = 0; ii < TM; ++ii)
        av[ii] = a[ia[ii] * SAi + k * SAk];
#pragma unroll
      for (int jj = 0; jj < TN; ++jj)
        bv[jj] = b[k * SBk + jbv[jj] * SBj];
#pragma unroll
      for (int ii = 0; ii < TM; ++ii)
#pragma unroll
        for (int jj = 0; jj < TN; ++jj)
          r[ii][jj] = fmaf(av[ii], bv[jj], r[ii][jj]);
    }
#pragma unroll
    for (int ii = 0; ii < TM; ++ii) {
#pragma unroll
      for (int jj = 0; jj < TN; ++jj) {
        const int i = i0 + ii, j = jb + jj * NB;
        if (i < M && j < N) {
          float *dst = c + i * LDC + j;
          *dst = accumulate ? *dst + r[ii][jj] : r[ii][jj];
        }
      }
    }
  }
  __syncthreads();
}

/// bf16 x2 from two floats, round to nearest even; `lo` in the low half
/// (the lower column/row index of an mma fragment pair).
IDA_DEVICE unsigned pack_bf16x2(float lo, float hi) {
  unsigned a = (unsigned)__float_as_int(lo), b = (unsigned)__float_as_int(hi);
  a += 0x7fffu + ((a >> 16) & 1u);
  b += 0x7fffu + ((b >> 16) & 1u);
  return (a >> 16) | (b & 0xffff0000u);
}

/// The split of two floats for IDA_CFG_MMA=2: `hi` = both rounded to bf16
/// (as pack_bf16x2), `lo` = the rounding errors x - bf16(x), rounded to bf16
/// in turn. x - bf16(x) is exact in fp32 (it is x's low mantissa bits), so
/// hi + lo carries 16 significant bits of x (the sign of lo absorbs the
/// rounding), where hi alone carries 8. An infinite x gives lo = NaN; no
/// program feeds a matmul infinities (masks write zeros, scores go through
/// exp first).
IDA_DEVICE void split_bf16x2(float x0, float x1, unsigned &hi, unsigned &lo) {
  unsigned a = (unsigned)__float_as_int(x0), b = (unsigned)__float_as_int(x1);
  a = (a + 0x7fffu + ((a >> 16) & 1u)) & 0xffff0000u;
  b = (b + 0x7fffu + ((b >> 16) & 1u)) & 0xffff0000u;
  hi = (a >> 16) | b;
  lo = pack_bf16x2(x0 - __int_as_float((int)a), x1 - __int_as_float((int)b));
}

/// d (16x8 fp32, 4 per lane) += a (16x16 bf16, row) * b (16x8 bf16, col),
/// one warp. Fragments (g = lane / 4, q = lane % 4): a[0] = A(g, 2q..2q+1),
/// a[1] = A(g+8, 2q..), a[2] = A(g, 2q+8..), a[3] = A(g+8, 2q+8..);
/// b[0] = B(2q..2q+1, g), b[1] = B(2q+8.., g); d = C(g, 2q..2q+1),
/// C(g+8, 2q..2q+1).
IDA_DEVICE void mma_bf16_16816(float d[4], const unsigned a[4], const unsigned b[2]) {
#ifdef IDA_CUDA_EMULATION
  ida_emu_mma_bf16_16816(d, a, b);
#else
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
               "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

/// Whether C[M,N] (+)= A B with inner size K runs on the tensor cores.
template <int M, int N, int K> __host__ __device__ constexpr bool use_mma() {
#if IDA_CFG_MMA && (!defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800)
  return M % 16 == 0 && N % 8 == 0 && K % 16 == 0;
#else
  return false;
#endif
}

/// The tensor-core product: warps take 16x8 output tiles in turn and walk k
/// in steps of 16, building the fragments straight from the fp32 tiles.
/// IDA_CFG_MMA=2 builds hi and lo fragments of the same elements, in the same
/// layout, and calls the same mma three times, so it relies on nothing the
/// single-bf16 path (validated on an H200) does not. The correction products
/// go first, the usual order for split products (d already holds the running
/// sum over k, so it changes little).
template <int M, int N, int K, int SAi, int SAk, int SBk, int SBj>
IDA_DEVICE void mm_core_mma(const TileCtx &ctx, float *c, const float *a, const float *b,
                            bool accumulate) {
  constexpr int LDC = N | 1;
  constexpr int TN = N / 8, tiles = (M / 16) * TN;
  const int g = ctx.lane >> 2, q = ctx.lane & 3;
  for (int t = ctx.warp; t < tiles; t += IDA_CFG_NUM_WARPS) {
    const int i0 = (t / TN) * 16, j0 = (t % TN) * 8;
    float *c0 = c + (i0 + g) * LDC + j0 + 2 * q;
    float *c1 = c0 + 8 * LDC;
    float d[4];
    d[0] = accumulate ? c0[0] : 0.0f;
    d[1] = accumulate ? c0[1] : 0.0f;
    d[2] = accumulate ? c1[0] : 0.0f;
    d[3] = accumulate ? c1[1] : 0.0f;
    const float *ar0 = a + (i0 + g) * SAi, *ar1 = a + (i0 + g + 8) * SAi;
    const float *bc = b + (j0 + g) * SBj;
#pragma unroll 2
    for (int k0 = 0; k0 < K; k0 += 16) {
      const int k = k0 + 2 * q;
      unsigned af[4], bf[2];
#if IDA_CFG_MMA == 2
      unsigned al[4], bl[2];
      split_bf16x2(ar0[k * SAk], ar0[(k + 1) * SAk], af[0], al[0]);
      split_bf16x2(ar1[k * SAk], ar1[(k + 1) * SAk], af[1], al[1]);
      split_bf16x2(ar0[(k + 8) * SAk], ar0[(k + 9) * SAk], af[2], al[2]);
      split_bf16x2(ar1[(k + 8) * SAk], ar1[(k + 9) * SAk], af[3], al[3]);
      split_bf16x2(bc[k * SBk], bc[(k + 1) * SBk], bf[0], bl[0]);
      split_bf16x2(bc[(k + 8) * SBk], bc[(k + 9) * SBk], bf[1], bl[1]);
      mma_bf16_16816(d, al, bf);
      mma_bf16_16816(d, af, bl);
#else
      af[0] = pack_bf16x2(ar0[k * SAk], ar0[(k + 1) * SAk]);
      af[1] = pack_bf16x2(ar1[k * SAk], ar1[(k + 1) * SAk]);
      af[2] = pack_bf16x2(ar0[(k + 8) * SAk], ar0[(k + 9) * SAk]);
      af[3] = pack_bf16x2(ar1[(k + 8) * SAk], ar1[(k + 9) * SAk]);
      bf[0] = pack_bf16x2(bc[k * SBk], bc[(k + 1) * SBk]);
      bf[1] = pack_bf16x2(bc[(k + 8) * SBk], bc[(k + 9) * SBk]);
#endif
      mma_bf16_16816(d, af, bf);
    }
    c0[0] = d[0];
    c0[1] = d[1];
    c1[0] = d[2];
    c1[1] = d[3];
  }
  __syncthreads();
}

template <int M, int N, int K, int SAi, int SAk, int SBk, int SBj>
IDA_DEVICE void mm_any(const TileCtx &ctx, float *c, const float *a, const float *b,
                       bool accumulate) {
  if constexpr (use_mma<M, N, K>())
    mm_core_mma<M, N, K, SAi, SAk, SBk, SBj>(ctx, c, a, b, accumulate);
  else
    mm_core<M, N, K, SAi, SAk, SBk, SBj>(ctx, c, a, b, accumulate);
}

} // namespace detail

/// C = A B (+ C): A [M,K], B [K,N].
template <int M, int N, int K>
IDA_DEVICE void mm_nn(TileCtx &ctx, Tile<M, N> &c, const Tile<M, K> &a, const Tile<K, N> &b,
                      bool accumulate = false) {
  detail::mm_any<M, N, K, (K | 1), 1, (N | 1), 1>(ctx, c.data(), a.data(), b.data(),
                                                   accumulate);
}

/// C = A^T B (+ C): A [K,M], B [K,N].
template <int M, int N, int K>
IDA_DEVICE void mm_tn(TileCtx &ctx, Tile<M, N> &c, const Tile<K, M> &a, const Tile<K, N> &b,
                      bool accumulate = false) {
  detail::mm_any<M, N, K, 1, (M | 1), (N | 1), 1>(ctx, c.data(), a.data(), b.data(),
                                                   accumulate);
}

/// C = A B^T (+ C): A [M,K], B [N,K].
template <int M, int N, int K>
IDA_DEVICE void mm_nt(TileCtx &ctx, Tile<M, N> &c, const Tile<M, K> &a, const Tile<N, K> &b,
                      bool accumulate = false) {
  detail::mm_any<M, N, K, (K | 1), 1, 1, (K | 1)>(ctx, c.data(), a.data(), b.data(),
                                                   accumulate);
}

} // namespace idat

#endif // IDA_TEMPLATES_TILE_CUDA_TILE_CUDA_CUH

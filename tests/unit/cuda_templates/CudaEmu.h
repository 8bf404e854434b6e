//===- tests/unit/cuda_templates/CudaEmu.h - run CUDA tile code on the CPU -===//
//
// A small host emulation of the CUDA features templates/tile/cuda/
// tile_cuda.cuh uses, so the CUDA tile API (indexing, padding, the shared-
// memory arena, barriers, warp shuffles) can be tested against the float64
// reference on a machine without a GPU: one block at a time, each CUDA
// thread an OS thread, __syncthreads a block barrier, __shfl_xor_sync an
// exchange through a per-warp buffer between two warp barriers, atomics
// under one mutex, and PTX exit (the arena's overflow path) a longjmp back
// to the thread's entry in runGrid, which leaves the thread's barriers.
//
// Include this, then the templates in codegen order with tile_cuda.cuh
// (IDA_CUDA_EMULATION and IDA_CUDA_NO_HALF are defined here), then call
// idaemu::runGrid<Prog>(args, grid) (CudaEmuRun.h, after the templates).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TESTS_UNIT_CUDA_TEMPLATES_CUDAEMU_H
#define IDA_TESTS_UNIT_CUDA_TEMPLATES_CUDAEMU_H

#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <csetjmp>
#include <cstring>
#include <math.h>
#include <mutex>
#include <thread>
#include <vector>

#define IDA_CUDA_EMULATION 1
#define IDA_CUDA_NO_HALF 1
#define __device__
#define __host__
#define __global__
#define __forceinline__ inline
#define __shared__
#define __align__(n) // the definition below is aligned
#define __launch_bounds__(n)

struct IdaEmuDim3 {
  unsigned x = 0, y = 0, z = 0;
};
inline thread_local IdaEmuDim3 threadIdx;
inline IdaEmuDim3 blockDim{1, 1, 1};

namespace idaemu {

class Barrier {
public:
  void reset(int n) {
    n_ = n;
    count_ = 0;
  }
  void wait() {
    std::unique_lock<std::mutex> lock(m_);
    const unsigned gen = gen_;
    if (++count_ == n_) {
      count_ = 0;
      ++gen_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return gen_ != gen; });
    }
  }
  /// A thread that exited (PTX exit) no longer takes part: barriers wait
  /// for one thread fewer. Only a non-uniform exit, which runGrid reports,
  /// ever gets here with threads still waiting.
  void leave() {
    std::lock_guard<std::mutex> lock(m_);
    --n_;
    if (count_ > 0 && count_ >= n_) {
      count_ = 0;
      ++gen_;
      cv_.notify_all();
    }
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  int n_ = 1, count_ = 0;
  unsigned gen_ = 0;
};

inline Barrier gBlockBarrier;
inline Barrier gWarpBarrier[32];
inline float gShfl[32][32];
inline unsigned gDynSmem = 0;
constexpr size_t kSmemBytes = 256 * 1024;

} // namespace idaemu

alignas(128) inline unsigned char ida_smem_storage[idaemu::kSmemBytes];
// tile_cuda.cuh declares `extern __shared__ unsigned char ida_smem[]`; the
// emulation's definition is the block's shared memory.
#define ida_smem ida_smem_storage

inline void __syncthreads() { idaemu::gBlockBarrier.wait(); }
inline float __shfl_xor_sync(unsigned, float v, int laneMask) {
  const unsigned tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  idaemu::gShfl[warp][lane] = v;
  idaemu::gWarpBarrier[warp].wait();
  const float r = idaemu::gShfl[warp][lane ^ (unsigned)laneMask];
  idaemu::gWarpBarrier[warp].wait();
  return r;
}
// 64-bit shuffles (double, int64_t) for the block reductions of
// tile/cuda/par_cuda.cuh, through a buffer of their own.
namespace idaemu {
inline uint64_t gShfl64[32][32];
template <class T> T shfl_xor64(T v, int laneMask) {
  static_assert(sizeof(T) == 8, "64-bit shuffle");
  const unsigned tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  std::memcpy(&gShfl64[warp][lane], &v, 8);
  gWarpBarrier[warp].wait();
  T r;
  std::memcpy(&r, &gShfl64[warp][lane ^ (unsigned)laneMask], 8);
  gWarpBarrier[warp].wait();
  return r;
}
} // namespace idaemu
inline double __shfl_xor_sync(unsigned, double v, int laneMask) {
  return idaemu::shfl_xor64(v, laneMask);
}
inline int64_t __shfl_xor_sync(unsigned, int64_t v, int laneMask) {
  return idaemu::shfl_xor64(v, laneMask);
}
inline int __float_as_int(float x) {
  int i;
  std::memcpy(&i, &x, 4);
  return i;
}
[[noreturn]] inline void __trap() {
  std::fprintf(stderr, "emulated __trap()\n");
  std::abort();
}
inline unsigned ida_emu_dynamic_smem_size() { return idaemu::gDynSmem; }

namespace idaemu {
inline std::mutex gAtomicMutex;
/// Where an emulated PTX exit goes: the thread's entry in runGrid.
inline thread_local std::jmp_buf *gExitTarget = nullptr;
} // namespace idaemu

inline unsigned atomicMax(unsigned *p, unsigned v) {
  std::lock_guard<std::mutex> lock(idaemu::gAtomicMutex);
  const unsigned old = *p;
  *p = v > old ? v : old;
  return old;
}
inline unsigned long long atomicMax(unsigned long long *p, unsigned long long v) {
  std::lock_guard<std::mutex> lock(idaemu::gAtomicMutex);
  const unsigned long long old = *p;
  *p = v > old ? v : old;
  return old;
}
/// PTX exit: the thread leaves its barriers and returns to its entry in
/// runGrid without running anything further (no destructors: on the GPU an
/// exited thread does not release its tiles either). Only tile handles,
/// which own nothing, are on the skipped frames.
[[noreturn]] inline void ida_emu_exit() {
  const unsigned warp = threadIdx.x / 32;
  idaemu::gBlockBarrier.leave();
  idaemu::gWarpBarrier[warp].leave();
  std::longjmp(*idaemu::gExitTarget, 1);
}

// The split-bf16 mma path (IDA_CFG_MMA=2) rebuilds the rounded float.
inline float __int_as_float(int i) {
  float f;
  std::memcpy(&f, &i, 4);
  return f;
}

namespace idaemu {
inline unsigned gMmaA[32][32][4], gMmaB[32][32][2];
inline float bf16Lo(unsigned r) {
  const unsigned u = r << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline float bf16Hi(unsigned r) {
  const unsigned u = r & 0xffff0000u;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
} // namespace idaemu

/// mma.sync.m16n8k16.row.col.f32.bf16.bf16.f32 for one warp, from the
/// fragment layout of the PTX ISA (g = lane / 4, q = lane % 4): every lane
/// posts its fragments, then computes its own four outputs.
inline void ida_emu_mma_bf16_16816(float d[4], const unsigned a[4], const unsigned b[2]) {
  using namespace idaemu;
  const unsigned tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  for (int r = 0; r < 4; ++r)
    gMmaA[warp][lane][r] = a[r];
  for (int r = 0; r < 2; ++r)
    gMmaB[warp][lane][r] = b[r];
  gWarpBarrier[warp].wait();
  float A[16][16], B[16][8];
  for (int l = 0; l < 32; ++l) {
    const int g = l / 4, q = l % 4;
    const unsigned *fa = gMmaA[warp][l], *fb = gMmaB[warp][l];
    A[g][2 * q] = bf16Lo(fa[0]);
    A[g][2 * q + 1] = bf16Hi(fa[0]);
    A[g + 8][2 * q] = bf16Lo(fa[1]);
    A[g + 8][2 * q + 1] = bf16Hi(fa[1]);
    A[g][2 * q + 8] = bf16Lo(fa[2]);
    A[g][2 * q + 9] = bf16Hi(fa[2]);
    A[g + 8][2 * q + 8] = bf16Lo(fa[3]);
    A[g + 8][2 * q + 9] = bf16Hi(fa[3]);
    B[2 * q][g] = bf16Lo(fb[0]);
    B[2 * q + 1][g] = bf16Hi(fb[0]);
    B[2 * q + 8][g] = bf16Lo(fb[1]);
    B[2 * q + 9][g] = bf16Hi(fb[1]);
  }
  gWarpBarrier[warp].wait();
  const int g = lane / 4, q = lane % 4;
  const int rows[4] = {g, g, g + 8, g + 8}, cols[4] = {2 * q, 2 * q + 1, 2 * q, 2 * q + 1};
  for (int r = 0; r < 4; ++r) {
    float acc = d[r];
    for (int k = 0; k < 16; ++k)
      acc += A[rows[r]][k] * B[k][cols[r]];
    d[r] = acc;
  }
}


#endif // IDA_TESTS_UNIT_CUDA_TEMPLATES_CUDAEMU_H

//===- runtime/nn/DeviceGemm.h - row-major SGEMM on an ida::Device -*- C++ -*-===//
//
// C = alpha op(A) op(B) + beta C, row-major, on device pointers: CBLAS when
// the device's memory is host memory (the CPU), cuBLAS on CUDA (loaded with
// dlopen like the driver, so a build or machine without it still runs the
// CPU path; a CUDA device without libcublas fails with a clear message).
//
// cuBLAS is column-major: a row-major X viewed column-major is X^T, so
// C = op(A) op(B) is computed as C^T = op(B)^T op(A)^T with the operands
// swapped (columnMajorGemm). The CPU path runs that same mapping through
// CBLAS's column-major interface, so the CPU tests check it without a GPU.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_DEVICEGEMM_H
#define IDA_RUNTIME_NN_DEVICEGEMM_H

#include "runtime/backend/Device.h"

#include <cstdint>
#include <memory>

namespace ida::nn {

/// A column-major GEMM call: C[m, n] = alpha op(A)[m, k] op(B)[k, n] + beta C.
struct ColumnMajorGemm {
  bool transA = false, transB = false;
  int64_t m = 0, n = 0, k = 0;
  const float *A = nullptr, *B = nullptr;
  int64_t lda = 0, ldb = 0, ldc = 0;
  float *C = nullptr;
};

/// The column-major call computing the row-major product (arguments as in
/// runtime/nn/Blas.h: op(A) [M, K], op(B) [K, N], C [M, N], row strides).
ColumnMajorGemm columnMajorGemm(bool transA, bool transB, int64_t M, int64_t N,
                                int64_t K, const float *A, int64_t lda,
                                const float *B, int64_t ldb, float *C,
                                int64_t ldc);

class DeviceGemm {
public:
  virtual ~DeviceGemm() = default;
  virtual void run(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                   float alpha, const float *A, int64_t lda, const float *B,
                   int64_t ldb, float beta, float *C, int64_t ldc) = 0;
  virtual const char *name() const = 0;
};

/// The GEMM for `device`: CBLAS for host-accessible memory, cuBLAS for a
/// CUDA device (throws UnavailableError when libcublas cannot be loaded).
std::unique_ptr<DeviceGemm> makeDeviceGemm(Device &device);

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_DEVICEGEMM_H

//===- runtime/nn/Blas.h - row-major GEMM over CBLAS -------------*- C++ -*-===//
//
// C = alpha * op(A) op(B) + beta * C, row-major, for float (sgemm) and double
// (dgemm). One entry point so the templated layers never name a BLAS symbol.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_BLAS_H
#define IDA_RUNTIME_NN_BLAS_H

#include <cstdint>

namespace ida::nn {

/// op(A) is [M, K], op(B) is [K, N], C is [M, N]; lda/ldb/ldc are the row
/// strides of A, B and C as stored (before transposition).
template <class T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha,
          const T *A, int64_t lda, const T *B, int64_t ldb, T beta, T *C,
          int64_t ldc);

/// What runs the host GEMMs: "openblas", "cblas" (another CBLAS) or "loop"
/// (no BLAS was found at build time).
const char *hostGemmName();

/// The same in column-major storage (C[i + j ldc]; lda/ldb/ldc are column
/// strides): what cuBLAS computes. The CPU side of DeviceGemm runs through
/// it so its tests exercise the mapping the GPU uses.
void gemmColumnMajor(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                     float alpha, const float *A, int64_t lda, const float *B,
                     int64_t ldb, float beta, float *C, int64_t ldc);

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_BLAS_H

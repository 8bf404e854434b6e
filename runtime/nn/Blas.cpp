//===- runtime/nn/Blas.cpp - row-major GEMM over CBLAS --------------------===//
#include "runtime/nn/Blas.h"

#include <cblas.h>

namespace ida::nn {

namespace {
CBLAS_TRANSPOSE trans(bool t) { return t ? CblasTrans : CblasNoTrans; }
} // namespace

template <>
void gemm<float>(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                 float alpha, const float *A, int64_t lda, const float *B,
                 int64_t ldb, float beta, float *C, int64_t ldc) {
  if (M == 0 || N == 0)
    return;
  cblas_sgemm(CblasRowMajor, trans(transA), trans(transB), (int)M, (int)N,
              (int)K, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

template <>
void gemm<double>(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                  double alpha, const double *A, int64_t lda, const double *B,
                  int64_t ldb, double beta, double *C, int64_t ldc) {
  if (M == 0 || N == 0)
    return;
  cblas_dgemm(CblasRowMajor, trans(transA), trans(transB), (int)M, (int)N,
              (int)K, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

} // namespace ida::nn

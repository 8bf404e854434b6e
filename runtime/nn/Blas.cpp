//===- runtime/nn/Blas.cpp - row-major GEMM over CBLAS --------------------===//
//
// CBLAS (OpenBLAS) when the build found one (IDA_NN_HAVE_CBLAS); otherwise a
// plain loop, so the runtime still builds where no BLAS is installed (the
// GPU machine, whose training runs its GEMMs on cuBLAS): correct, slow, and
// announced by CMake.
//
//===----------------------------------------------------------------------===//
#include "runtime/nn/Blas.h"

#if IDA_NN_HAVE_CBLAS
#include <cblas.h>
#endif

namespace ida::nn {

namespace {

#if IDA_NN_HAVE_CBLAS
CBLAS_TRANSPOSE trans(bool t) { return t ? CblasTrans : CblasNoTrans; }
CBLAS_ORDER order(bool columnMajor) {
  return columnMajor ? CblasColMajor : CblasRowMajor;
}
void call(bool colMajor, bool tA, bool tB, int64_t M, int64_t N, int64_t K,
          float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
          float beta, float *C, int64_t ldc) {
  cblas_sgemm(order(colMajor), trans(tA), trans(tB), (int)M, (int)N, (int)K,
              alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}
void call(bool colMajor, bool tA, bool tB, int64_t M, int64_t N, int64_t K,
          double alpha, const double *A, int64_t lda, const double *B,
          int64_t ldb, double beta, double *C, int64_t ldc) {
  cblas_dgemm(order(colMajor), trans(tA), trans(tB), (int)M, (int)N, (int)K,
              alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}
#else
template <class T>
void rowMajor(bool tA, bool tB, int64_t M, int64_t N, int64_t K, T alpha,
              const T *A, int64_t lda, const T *B, int64_t ldb, T beta, T *C,
              int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += (tA ? A[k * lda + i] : A[i * lda + k]) *
             (tB ? B[j * ldb + k] : B[k * ldb + j]);
      T &c = C[i * ldc + j];
      c = beta == T(0) ? alpha * s : alpha * s + beta * c; // BLAS: beta 0 ignores C
    }
}
template <class T>
void call(bool colMajor, bool tA, bool tB, int64_t M, int64_t N, int64_t K,
          T alpha, const T *A, int64_t lda, const T *B, int64_t ldb, T beta,
          T *C, int64_t ldc) {
  // Column-major C = op(A) op(B) is row-major C^T = op(B)^T op(A)^T.
  if (colMajor)
    rowMajor(tB, tA, N, M, K, alpha, B, ldb, A, lda, beta, C, ldc);
  else
    rowMajor(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
#endif

} // namespace

template <class T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha,
          const T *A, int64_t lda, const T *B, int64_t ldb, T beta, T *C,
          int64_t ldc) {
  if (M == 0 || N == 0)
    return;
  call(false, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemmColumnMajor(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                     float alpha, const float *A, int64_t lda, const float *B,
                     int64_t ldb, float beta, float *C, int64_t ldc) {
  if (M == 0 || N == 0)
    return;
  call(true, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

const char *hostGemmName() {
#if IDA_NN_HAVE_CBLAS
  return IDA_NN_BLAS_NAME;
#else
  return "loop";
#endif
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float,
                          const float *, int64_t, const float *, int64_t, float,
                          float *, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double,
                           const double *, int64_t, const double *, int64_t,
                           double, double *, int64_t);

} // namespace ida::nn

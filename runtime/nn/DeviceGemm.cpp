//===- runtime/nn/DeviceGemm.cpp - row-major SGEMM on an ida::Device ------===//
#include "runtime/nn/DeviceGemm.h"

#include "runtime/nn/Blas.h"
#include "runtime/support/Error.h"

#ifdef IDA_WITH_CUDA
#include "runtime/backend/cuda/CudaDevice.h"
#include <dlfcn.h>
#endif

#include <cstdlib>
#include <string>
#include <vector>

namespace ida::nn {

ColumnMajorGemm columnMajorGemm(bool transA, bool transB, int64_t M, int64_t N,
                                int64_t K, const float *A, int64_t lda,
                                const float *B, int64_t ldb, float *C,
                                int64_t ldc) {
  // Row-major C [M, N] is column-major C^T [N, M] = op(B)^T op(A)^T, and the
  // row-major buffers of A and B read column-major are A^T and B^T, so the
  // transposition flags carry over unchanged with the operands swapped.
  ColumnMajorGemm g;
  g.transA = transB;
  g.transB = transA;
  g.m = N;
  g.n = M;
  g.k = K;
  g.A = B;
  g.lda = ldb;
  g.B = A;
  g.ldb = lda;
  g.C = C;
  g.ldc = ldc;
  return g;
}

namespace {

// Goes through the same column-major mapping as cuBLAS (not the row-major
// entry), so every CPU test of the layers also checks the mapping the GPU
// relies on.
class HostGemm final : public DeviceGemm {
public:
  void run(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           float alpha, const float *A, int64_t lda, const float *B,
           int64_t ldb, float beta, float *C, int64_t ldc) override {
    const ColumnMajorGemm g =
        columnMajorGemm(transA, transB, M, N, K, A, lda, B, ldb, C, ldc);
    gemmColumnMajor(g.transA, g.transB, g.m, g.n, g.k, alpha, g.A, g.lda, g.B,
                    g.ldb, beta, g.C, g.ldc);
  }
  const char *name() const override { return "cblas"; }
};

#ifdef IDA_WITH_CUDA
// The few cuBLAS v2 entry points used, declared here so the build needs no
// cuBLAS headers (their ABI is stable: opaque handle, int enums and status).
using CublasHandle = void *;
using CublasCreate = int (*)(CublasHandle *);
using CublasDestroy = int (*)(CublasHandle);
using CublasSetStream = int (*)(CublasHandle, CUstream);
using CublasSgemm = int (*)(CublasHandle, int, int, int, int, int,
                            const float *, const float *, int, const float *,
                            int, const float *, float *, int);
constexpr int kCublasOpN = 0, kCublasOpT = 1;

class CublasGemm final : public DeviceGemm {
public:
  explicit CublasGemm(CudaDevice &device) : device_(device) {
    std::vector<std::string> names;
    if (const char *env = std::getenv("IDA_CUBLAS"); env && *env)
      names.push_back(env);
    for (const char *n : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"})
      names.push_back(n);
#ifdef IDA_NN_CUBLAS_PATH
    names.push_back(IDA_NN_CUBLAS_PATH);
#endif
    std::string tried;
    for (const std::string &n : names) {
      lib_ = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (lib_)
        break;
      tried += (tried.empty() ? "" : ", ") + n;
    }
    if (!lib_)
      throw UnavailableError("the device model needs cuBLAS on CUDA: none of " +
                             tried + " could be loaded (set IDA_CUBLAS to "
                             "libcublas.so, or use --model-on host)");
    create_ = sym<CublasCreate>("cublasCreate_v2");
    destroy_ = sym<CublasDestroy>("cublasDestroy_v2");
    setStream_ = sym<CublasSetStream>("cublasSetStream_v2");
    sgemm_ = sym<CublasSgemm>("cublasSgemm_v2");
    device_.synchronize(); // makes the device's context current here
    check(create_(&handle_), "cublasCreate");
    check(setStream_(handle_, device_.stream()), "cublasSetStream");
  }
  ~CublasGemm() override {
    if (handle_)
      destroy_(handle_);
    if (lib_)
      dlclose(lib_);
  }

  void run(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           float alpha, const float *A, int64_t lda, const float *B,
           int64_t ldb, float beta, float *C, int64_t ldc) override {
    const ColumnMajorGemm g =
        columnMajorGemm(transA, transB, M, N, K, A, lda, B, ldb, C, ldc);
    check(sgemm_(handle_, g.transA ? kCublasOpT : kCublasOpN,
                 g.transB ? kCublasOpT : kCublasOpN, int(g.m), int(g.n),
                 int(g.k), &alpha, g.A, int(g.lda), g.B, int(g.ldb), &beta,
                 g.C, int(g.ldc)),
          "cublasSgemm");
  }
  const char *name() const override { return "cublas"; }

private:
  template <class F> F sym(const char *name) {
    void *p = dlsym(lib_, name);
    if (!p)
      throw UnavailableError(std::string("libcublas has no ") + name);
    return reinterpret_cast<F>(p);
  }
  static void check(int status, const char *what) {
    if (status != 0)
      throw Error(std::string(what) + " failed (cublasStatus_t " +
                  std::to_string(status) + ")");
  }

  CudaDevice &device_;
  void *lib_ = nullptr;
  CublasHandle handle_ = nullptr;
  CublasCreate create_ = nullptr;
  CublasDestroy destroy_ = nullptr;
  CublasSetStream setStream_ = nullptr;
  CublasSgemm sgemm_ = nullptr;
};
#endif

} // namespace

std::unique_ptr<DeviceGemm> makeDeviceGemm(Device &device) {
  if (device.hostAccessible())
    return std::make_unique<HostGemm>();
#ifdef IDA_WITH_CUDA
  if (auto *cuda = dynamic_cast<CudaDevice *>(&device))
    return std::make_unique<CublasGemm>(*cuda);
#endif
  throw UnavailableError("no GEMM for device '" + device.name() + "'");
}

} // namespace ida::nn

//===- runtime/nn/LayerKernels.h - ida-train's layers on a Device -*- C++ -*-===//
//
// The layers of runtime/nn/Layers.h (fp32), plus the glue a device-resident
// training step needs, over device pointers of one ida::Device: the programs
// of templates/kernels/nn_layers.h compiled for that device (NVRTC on CUDA,
// the host compiler on the CPU, one source, cached like every kernel) and
// GEMMs through DeviceGemm (cuBLAS on CUDA, CBLAS on the CPU).
//
// Signatures follow Layers.h: backward functions ACCUMULATE into their
// outputs. Every pointer is device memory of device(). Launches are ordered
// on the device's stream; functions that return host values (cross-entropy
// statistics, sums of squares) synchronise.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_LAYERKERNELS_H
#define IDA_RUNTIME_NN_LAYERKERNELS_H

#include "runtime/backend/Device.h"
#include "runtime/nn/DeviceGemm.h"
#include "runtime/nn/Layers.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ida::nn {

class LayerKernels {
public:
  /// Compiles the layer programs for `device` (first use per device and
  /// toolchain; later from the kernel cache). Throws ida::CompileError with
  /// the compiler's log.
  explicit LayerKernels(std::shared_ptr<Device> device);
  ~LayerKernels();

  Device &device() { return *device_; }
  /// "cublas" or "cblas".
  const char *gemmName() const { return gemm_->name(); }
  std::shared_ptr<Device> sharedDevice() const { return device_; }

  void embeddingForward(const int32_t *tokens, int64_t M, const float *E,
                        int64_t d, float *out);
  /// V is the number of rows of dE.
  void embeddingBackward(const int32_t *tokens, int64_t M, const float *dout,
                         int64_t d, int64_t V, float *dE);
  void rmsnormForward(const float *x, const float *w, int64_t M, int64_t d,
                      double eps, float *y, float *rstd);
  void rmsnormBackward(const float *dy, const float *x, const float *w,
                       const float *rstd, int64_t M, int64_t d, float *dx,
                       float *dw);
  /// y[M, N] = x[M, K] W[N, K]^T.
  void linearForward(const float *x, const float *W, int64_t M, int64_t K,
                     int64_t N, float *y);
  /// dx += dy W, dW += dy^T x (either may be null).
  void linearBackward(const float *dy, const float *x, const float *W,
                      int64_t M, int64_t K, int64_t N, float *dx, float *dW);
  void swigluForward(const float *gu, int64_t M, int64_t H, float *a);
  void swigluBackward(const float *da, const float *gu, int64_t M, int64_t H,
                      float *dgu);
  void causalConvForward(const float *x, const float *w, int64_t B,
                         int64_t Tlen, int64_t C, int64_t Kc, float *y);
  void causalConvBackward(const float *dy, const float *x, const float *w,
                          int64_t B, int64_t Tlen, int64_t C, int64_t Kc,
                          float *dx, float *dw);
  /// logits become probabilities. `labels` is on the device,
  /// `hostLabels` the same labels on the host (to count scored rows).
  CrossEntropyStats crossEntropyForward(float *logits, const int32_t *labels,
                                        const int32_t *hostLabels, int64_t M,
                                        int64_t V);
  void crossEntropyBackward(const float *probs, const int32_t *labels,
                            int64_t M, int64_t V, float scale,
                            float *dlogits);

  /// dst[m, doff + j] = src[m, soff + j] (or += with accumulate), j < cols.
  void copyColumns(const float *src, int64_t sld, int64_t soff, float *dst,
                   int64_t dld, int64_t doff, int64_t M, int64_t cols,
                   bool accumulate);
  /// y = alpha y + x (x may be null: y *= alpha).
  void axpby(const float *x, float alpha, float *y, int64_t n);
  /// sum of x^2 in double (non-finite when x holds a NaN or Inf).
  double sumSquares(const float *x, int64_t n);
  struct AdamHyper {
    double beta1, beta2, c1, c2, lr, weightDecay, eps;
  };
  void adamw(float *w, const float *g, float *m, float *v, int64_t n,
             const AdamHyper &h);

  /// Device memory of `count` floats (or bytes), zero-filled.
  DeviceBuffer zeros(size_t bytes);

private:
  struct Imm; // launch arguments under construction
  void launch(int program, int64_t grid, const Imm &args);
  float *scratch(size_t floats); // grows; device memory
  double *scratchF64(size_t n);

  std::shared_ptr<Device> device_;
  std::shared_ptr<CompiledKernel> kernel_;
  std::unique_ptr<DeviceGemm> gemm_;
  DeviceBuffer scratch_, scratchF64_;
  std::vector<double> hostF64_;
};

/// The source LayerKernels compiles for target "cpu" or "cuda" and its
/// program symbols in launch-index order (for tests and the compile check).
std::string layerKernelSource(const std::string &target);
const std::vector<std::string> &layerKernelSymbols();

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_LAYERKERNELS_H

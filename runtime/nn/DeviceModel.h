//===- runtime/nn/DeviceModel.h - the model, resident on a Device -*- C++ -*-===//
//
// ida-train's model (Model.h) with its parameters, gradients, AdamW moments
// and activations in the memory of one ida::Device, so a training step on a
// GPU moves only the batch's tokens in and a few statistics out: the layers
// run as LayerKernels programs, GEMMs on cuBLAS, the mixer core on the
// bundle's kernels over device pointers (DeviceMixerCore).
//
// It mirrors a host Model<float>, which keeps the parameter registry: the
// DeviceModel is built from it (same names, order, shapes, initial values),
// and download()/upload() move parameters and optimizer state between the
// two for checkpoints and resume. The forward/backward sequence is the
// host model's (Model.cpp, Mixer.cpp), op for op; on the CPU device the
// tests compare the two.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_DEVICEMODEL_H
#define IDA_RUNTIME_NN_DEVICEMODEL_H

#include "runtime/nn/DeviceMixerCore.h"
#include "runtime/nn/LayerKernels.h"
#include "runtime/nn/Model.h"
#include "runtime/nn/Optim.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ida::nn {

/// Runs a host core (e.g. the float64 reference) on device arrays by copying
/// its inputs to the host and its outputs back: for tests and
/// `--core reference`, not for speed.
DeviceCoreFactory hostCoreOnDevice(std::shared_ptr<LayerKernels> kernels,
                                   const MixerConfig &cfg,
                                   CoreFactory<float> hostFactory);

class DeviceModel {
public:
  /// Copies `host`'s parameters to the device. `host` must outlive this.
  DeviceModel(Model<float> &host, std::shared_ptr<LayerKernels> kernels,
              const DeviceCoreFactory &cores, AdamWConfig adam);
  ~DeviceModel();

  /// tokens/labels [B, T] on the host.
  LossStats forward(const int32_t *tokens, const int32_t *labels, int64_t B,
                    int64_t Tlen);
  void zeroGrad();
  /// Accumulates the gradient of the last forward's mean loss.
  void backward();
  /// Global gradient norm; scales the gradients to maxNorm when above it
  /// (maxNorm <= 0: no clipping). As clipGradNorm in Optim.h. When a
  /// trainable gradient holds a NaN or Inf, nothing is scaled, the norm is
  /// NaN and `nonFinite` (if given) names the first such parameter.
  double clipGradNorm(double maxNorm, std::string *nonFinite = nullptr);
  /// One AdamW step at lr (as AdamW<float>::update).
  void adamUpdate(double lr);
  int64_t adamStep() const { return step_; }

  /// The first trainable parameter whose value holds a NaN or Inf, or ""
  /// when none does.
  std::string firstNonFiniteParameter();

  /// Parameters into host().params(), moments and step into `opt`.
  void download(AdamW<float> &opt);
  /// The reverse, after a checkpoint was loaded into the host side.
  void upload(const AdamW<float> &opt);

  Model<float> &host() { return host_; }
  LayerKernels &kernels() { return *k_; }
  /// Gradient of parameter i (store order) copied to the host (tests).
  Tensor<float> gradient(size_t i);

private:
  struct Impl;
  Model<float> &host_;
  std::shared_ptr<LayerKernels> k_;
  AdamWConfig adam_;
  int64_t step_ = 0;
  std::unique_ptr<Impl> impl_;
};

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_DEVICEMODEL_H

//===- runtime/nn/DeviceMixerCore.h - the mixer core on device memory -*- C++ -*-===//
//
// MixerCore.h's contract (layouts, vjp overwrites, zero initial state) over
// device pointers of one ida::Device, for the device-resident model
// (DeviceModel.h): the bundle's kernels run on the arrays where they are
// (MixerBundle::deviceFactory), and any host core can be adapted with
// copies (hostCoreOnDevice).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_DEVICEMIXERCORE_H
#define IDA_RUNTIME_NN_DEVICEMIXERCORE_H

#include "runtime/nn/MixerCore.h"

#include <functional>
#include <memory>
#include <string>

namespace ida::nn {

/// The mixer core's arguments as device pointers (layouts of MixerCore.h).
struct DeviceCoreArgs {
  int64_t B = 0, T = 0;
  const float *q = nullptr, *k = nullptr, *v = nullptr, *dt = nullptr,
              *g = nullptr, *A_log = nullptr, *dt_bias = nullptr, *W = nullptr;
};
/// Gradients, OVERWRITTEN by vjp; null where the input is absent.
struct DeviceCoreGrads {
  float *dq = nullptr, *dk = nullptr, *dv = nullptr, *ddt = nullptr,
        *dg = nullptr, *dA_log = nullptr, *ddt_bias = nullptr, *dW = nullptr;
};

/// MixerCore.h's contract over device memory.
class DeviceMixerCore {
public:
  virtual ~DeviceMixerCore() = default;
  virtual std::string describe() const = 0;
  /// y [B, T, H, P].
  virtual void forward(const DeviceCoreArgs &in, float *y) = 0;
  virtual void vjp(const DeviceCoreArgs &in, const float *dy,
                   const DeviceCoreGrads &grads) = 0;
};
using DeviceCoreFactory =
    std::function<std::unique_ptr<DeviceMixerCore>(const CoreSpec &)>;

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_DEVICEMIXERCORE_H

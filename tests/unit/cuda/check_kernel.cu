// A kernel for the ida-cuda-check smoke test (ctest ida_cuda_check.*).
#include <cuda_bf16.h>
#include "templates/common/ida_abi.h"

#ifndef IDA_CFG_SCALE
#define IDA_CFG_SCALE 1
#endif

extern "C" __global__ void ida_check_scale(IdaKernelArgs args) {
  const __nv_bfloat16 *x = (const __nv_bfloat16 *)args.buffers[0];
  float *y = (float *)args.buffers[1];
  int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i < args.T)
    y[i] = __bfloat162float(x[i]) * (float)IDA_CFG_SCALE;
}

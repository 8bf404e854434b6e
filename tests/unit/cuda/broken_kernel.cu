// Deliberately broken: ida-cuda-check must fail with the NVRTC log.
extern "C" __global__ void ida_broken(float *y) {
  y[threadIdx.x] = ida_undeclared_identifier;
}

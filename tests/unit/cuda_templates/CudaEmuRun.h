//===- tests/unit/cuda_templates/CudaEmuRun.h - emulated grid launch -------===//
// Include after CudaEmu.h and the templates (needs IdaKernelArgs, idat).
#ifndef IDA_TESTS_UNIT_CUDA_TEMPLATES_CUDAEMURUN_H
#define IDA_TESTS_UNIT_CUDA_TEMPLATES_CUDAEMURUN_H

namespace idaemu {

/// Runs Prog::run over `grid`, one block at a time with `threads` OS
/// threads, `smem` bytes of dynamic shared memory (filled with NaN bytes so
/// reads of unwritten tile elements show). Returns the largest arena peak.
template <class Prog>
unsigned runGrid(const IdaKernelArgs &a, const int64_t grid[3], int threads,
                 unsigned smem = 227 * 1024) {
  unsigned peak = 0;
  for (int64_t z = 0; z < grid[2]; ++z)
    for (int64_t y = 0; y < grid[1]; ++y)
      for (int64_t x = 0; x < grid[0]; ++x) {
        std::memset(ida_smem_storage, 0xFF, sizeof ida_smem_storage);
        gDynSmem = smem;
        blockDim = {(unsigned)threads, 1, 1};
        gBlockBarrier.reset(threads);
        for (int w = 0; w < (threads + 31) / 32; ++w)
          gWarpBarrier[w].reset(32);
        std::vector<unsigned> peaks(threads, 0);
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t)
          ts.emplace_back([&, t] {
            threadIdx = {(unsigned)t, 0, 0};
            Prog::run(a, x, y, z);
            peaks[t] = idat::ida_cuda_arena_peak();
          });
        for (std::thread &t : ts)
          t.join();
        for (unsigned p : peaks)
          peak = p > peak ? p : peak;
      }
  return peak;
}

} // namespace idaemu

#endif // IDA_TESTS_UNIT_CUDA_TEMPLATES_CUDAEMURUN_H

//===- tests/unit/cuda_templates/CudaEmuRun.h - emulated grid launch -------===//
// Include after CudaEmu.h and the templates (needs IdaKernelArgs, idat).
#ifndef IDA_TESTS_UNIT_CUDA_TEMPLATES_CUDAEMURUN_H
#define IDA_TESTS_UNIT_CUDA_TEMPLATES_CUDAEMURUN_H

namespace idaemu {

/// What the last runGrid saw of PTX exits: blocks whose threads all exited
/// (the arena's overflow path) and blocks where only some did (a broken
/// block-uniformity the real GPU would not forgive).
struct ExitInfo {
  int64_t exitedBlocks = 0;
  int64_t mixedBlocks = 0;
};
inline ExitInfo gLastExits;

/// Runs Prog::run over `grid`, one block at a time with `threads` OS
/// threads, `smem` bytes of dynamic shared memory (filled with NaN bytes so
/// reads of unwritten tile elements show), each thread followed by the
/// kernel wrappers' epilogue (ida_cuda_arena_record_peak, into the emulated
/// ida_arena_status) as codegen emits it. Returns the largest arena peak of
/// the blocks that completed; gLastExits says which exited.
template <class Prog>
unsigned runGrid(const IdaKernelArgs &a, const int64_t grid[3], int threads,
                 unsigned smem = 227 * 1024) {
  unsigned peak = 0;
  gLastExits = ExitInfo();
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
        std::vector<char> exited(threads, 0);
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t)
          ts.emplace_back([&, t] {
            threadIdx = {(unsigned)t, 0, 0};
            std::jmp_buf entry;
            gExitTarget = &entry;
            // Nothing this frame changes after setjmp is read after a
            // longjmp back here, so no local needs to be volatile.
            if (setjmp(entry) == 0) {
              Prog::run(a, x, y, z);
              idat::ida_cuda_arena_record_peak();
              peaks[t] = idat::ida_cuda_arena_peak();
            } else {
              exited[t] = 1;
            }
          });
        for (std::thread &t : ts)
          t.join();
        for (unsigned p : peaks)
          peak = p > peak ? p : peak;
        int n = 0;
        for (char e : exited)
          n += e;
        gLastExits.exitedBlocks += n == threads;
        gLastExits.mixedBlocks += n > 0 && n < threads;
      }
  return peak;
}

} // namespace idaemu

#endif // IDA_TESTS_UNIT_CUDA_TEMPLATES_CUDAEMURUN_H

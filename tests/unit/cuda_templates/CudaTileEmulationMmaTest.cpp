//===- tests/unit/cuda_templates/CudaTileEmulationMmaTest.cpp -------------===//
//
// The emulation test with IDA_CFG_MMA=1: the tensor-core matmul path of
// tile_cuda.cuh (bf16 operands, fp32 accumulation; the emulated mma follows
// the PTX fragment layout), hence a bf16-sized tolerance.
//
//===----------------------------------------------------------------------===//
#define IDA_CFG_MMA 1
#define IDA_EMU_MMA 1
#define IDA_EMU_SUITE CudaTileEmulationMma
#define IDA_EMU_TOL 2e-2
#include "tests/unit/cuda_templates/CudaTileEmulationTest.cpp"

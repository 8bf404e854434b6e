//===- templates/kernels/scan_params.h - static params, configs -*- C++ -*-===//
//
// What a kernel program knows at compile time.
//
// Static parameters (a struct the codegen generates, passed as `class P`):
//
//   struct MyParams {
//     static constexpr int D = 64;      // query/key width
//     static constexpr int F = 64;      // feature width (spec §4 table)
//     static constexpr int Fp = 0;      // F' for prf/hedgehog (W is [H,Fp,D]), else 0
//     static constexpr int N = 4;       // basis size
//     static constexpr int P = 64;      // value width
//     static constexpr int feature = IDA_FEATURE_ELU1;
//     static constexpr int basis = IDA_BASIS_SOFTMAX;
//     static constexpr bool normalize = false;
//     static constexpr bool has_S0 = true;   // S0 (and Z0) buffers present
//     static constexpr bool has_ST = true;   // S_T (and Z_T) buffers written
//     using in_t = float;                    // element type of q,k,v,dt,g,dy
//   };
//
// Tuning configuration (class Cfg): chunk length C and value tile BV. The
// generated wrapper uses IdaMacroConfig, which reads the IDA_CFG_<KEY> macros
// the runtime passes with -D; tests instantiate explicit configs.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_KERNELS_SCAN_PARAMS_H
#define IDA_TEMPLATES_KERNELS_SCAN_PARAMS_H

#include <stdint.h>

// Feature-map kinds of spec §4 (values are part of the codegen contract).
#define IDA_FEATURE_IDENTITY 0
#define IDA_FEATURE_ELU1 1
#define IDA_FEATURE_RELU 2
#define IDA_FEATURE_TAYLOR2 3
#define IDA_FEATURE_PRF 4
#define IDA_FEATURE_HEDGEHOG 5

// Basis-weight kinds of spec §3.
#define IDA_BASIS_SOFTMAX 0
#define IDA_BASIS_SIGMOID 1
#define IDA_BASIS_UNIFORM 2

// Scan strategies (IDA_CFG_STRATEGY): which kernel sequence the plan emits.
#define IDA_STRATEGY_ONEPASS 0
#define IDA_STRATEGY_TWOPASS 1

#ifndef IDA_CFG_C
#define IDA_CFG_C 64
#endif
#ifndef IDA_CFG_BV
#define IDA_CFG_BV 64
#endif
#ifndef IDA_CFG_BM
#define IDA_CFG_BM 64
#endif
#ifndef IDA_CFG_BN
#define IDA_CFG_BN 64
#endif
#ifndef IDA_CFG_NUM_WARPS
#define IDA_CFG_NUM_WARPS 4
#endif
#ifndef IDA_CFG_STAGES
#define IDA_CFG_STAGES 2
#endif
#ifndef IDA_CFG_STRATEGY
#define IDA_CFG_STRATEGY IDA_STRATEGY_ONEPASS
#endif

/// Helpers that both host code (grid(), workspace sizes) and kernel
/// programs call: __host__ __device__ on CUDA (tile_cuda.cuh defines it).
#ifndef IDA_HOST_DEVICE
#define IDA_HOST_DEVICE
#endif

namespace idak {

/// Configuration taken from the IDA_CFG_* macros (what generated code uses).
struct IdaMacroConfig {
  static constexpr int C = IDA_CFG_C;   // chunk length
  static constexpr int BV = IDA_CFG_BV; // value tile (columns of P per program)
  static constexpr int BM = IDA_CFG_BM; // softmax attention: query block
  static constexpr int BN = IDA_CFG_BN; // softmax attention: key block
};

/// Explicit configuration (tests, benchmarks).
template <int C_, int BV_, int BM_ = 64, int BN_ = 64> struct Config {
  static constexpr int C = C_;
  static constexpr int BV = BV_;
  static constexpr int BM = BM_;
  static constexpr int BN = BN_;
};

/// Sizes derived from P and Cfg that several programs share.
template <class P, class Cfg> struct ScanShape {
  static constexpr int C = Cfg::C;
  static constexpr int BV = Cfg::BV < P::P ? Cfg::BV : P::P;
  /// Value-tile width on chip: with normalize, one extra column of ones
  /// carries the normalizer Z (Z is S with a value column of ones).
  static constexpr int VW = BV + (P::normalize ? 1 : 0);
  static constexpr int NF = P::N * P::F;
  /// W tile rows; 1 when the feature kind has no weights (no zero-size arrays).
  static constexpr int FW = P::Fp > 0 ? P::Fp : 1;
  static constexpr int ZCOL = BV; // column of the normalizer inside VW

  static IDA_HOST_DEVICE int64_t num_chunks(int64_t T) { return (T + C - 1) / C; }
  static constexpr IDA_HOST_DEVICE int num_vtiles() { return (P::P + BV - 1) / BV; }
};

static_assert(sizeof(float) == 4, "fp32 expected");

} // namespace idak

#endif // IDA_TEMPLATES_KERNELS_SCAN_PARAMS_H

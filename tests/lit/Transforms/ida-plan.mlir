// RUN: ida-opt %s --ida-decompose --ida-fuse --ida-plan | FileCheck %s
// RUN: ida-opt %s --ida-decompose --ida-fuse --ida-plan="strategy=twopass chunks=32" | FileCheck %s --check-prefix=TWO
// RUN: ida-opt %s --ida-decompose --ida-fuse --ida-plan="smem-budget=150000" | FileCheck %s --check-prefix=SMALL
// RUN: ida-opt %S/../../../examples/presets/ida.mlir --ida-decompose --ida-autodiff --ida-fuse --ida-plan | FileCheck %s --check-prefix=BWD

// The backward of the ida preset (N = 4, D = P = 64): its space is bounded
// by bwd-budget (4 MB: the CPU has room), but its default must fit a GPU
// block (smem-budget), which at N*F = 256 takes chunk 16 and value tiles of
// 32 columns (the op's chunk 64 does not fit at any value tile).
// BWD-LABEL: func.func @ida_vjp
// BWD: ida.fused "scan_bwd"
// BWD-SAME: plan = {default = {BV = 32 : i64, C = 16 : i64, NUM_WARPS = 4 : i64, STAGES = 2 : i64}
// BWD-SAME: keys = ["C", "BV", "NUM_WARPS", "STAGES"]}, strategy = "bwd"}

// A small state (N*F*P = 8192): onepass; the default keeps the op's chunk
// (48, added to the candidates), BV = P = 64 that fits, 4 warps, 2 stages.
// Every configuration fits the on-chip budget (227 KB by default).
// CHECK-LABEL: func.func @small_state
// CHECK: ida.fused "scan_fwd"
// CHECK-SAME: plan = {default = {BV = 64 : i64, C = 48 : i64, NUM_WARPS = 4 : i64, STAGES = 2 : i64, STRATEGY = 0 : i64}
// CHECK-SAME: space = {configs = {{\[\[}}0, 16, 16, 4, 1], [0, 16, 16, 4, 2], [0, 16, 16, 8, 1],
// CHECK-SAME: keys = ["STRATEGY", "C", "BV", "NUM_WARPS", "STAGES"]}, strategy = "onepass"}
// TWO-LABEL: func.func @small_state
// TWO: plan = {default = {BV = 64 : i64, C = 48 : i64, NUM_WARPS = 4 : i64, STAGES = 2 : i64, STRATEGY = 1 : i64}, space = {configs = {{\[\[}}1, 32, 16, 4, 1],
// TWO-SAME: strategy = "twopass"
// A smaller on-chip budget prunes large tiles and moves the default.
// SMALL-LABEL: func.func @large_state
// SMALL: plan = {default = {BV = 16 : i64, C = 32 : i64, NUM_WARPS = 4 : i64, STAGES = 2 : i64, STRATEGY = 1 : i64}, space = {configs = {{\[\[}}1, 16, 16, 4, 1], [1, 16, 16, 4, 2], [1, 16, 16, 8, 1], [1, 16, 16, 8, 2], [1, 32, 16, 4, 1], [1, 32, 16, 4, 2], [1, 32, 16, 8, 1], [1, 32, 16, 8, 2]]
func.func @small_state(%q: tensor<?x?x2x32xf32>, %v: tensor<?x?x2x64xf32>, %dt: tensor<?x?x2xf32>,
    %g: tensor<?x?x2x4xf32>, %a: tensor<2x4xf32>, %db: tensor<2xf32>) -> tensor<?x?x2x64xf32> {
  %y = ida.attention %q, %q, %v, %dt, %g, %a, %db {feature = #ida.feature<elu1>, basis = #ida.basis<4, softmax>, chunk = 48}
      : (tensor<?x?x2x32xf32>, tensor<?x?x2x32xf32>, tensor<?x?x2x64xf32>, tensor<?x?x2xf32>, tensor<?x?x2x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<?x?x2x64xf32>
  return %y : tensor<?x?x2x64xf32>
}

// A large state (N*F*P = 8*128*64): twopass under "auto"; the value tile is
// pruned until the [N*F, BV] state slice fits.
// CHECK-LABEL: func.func @large_state
// CHECK: plan = {default = {BV = 32 : i64, C = 32 : i64, NUM_WARPS = 4 : i64, STAGES = 2 : i64, STRATEGY = 1 : i64}
// CHECK-NOT: , 64, 4, 1]
// CHECK-SAME: strategy = "twopass"
func.func @large_state(%q: tensor<?x?x2x64xf32>, %v: tensor<?x?x2x64xf32>, %dt: tensor<?x?x2xf32>,
    %g: tensor<?x?x2x8xf32>, %a: tensor<2x8xf32>, %db: tensor<2xf32>, %w: tensor<2x64x64xf32>) -> tensor<?x?x2x64xf32> {
  %y = ida.attention %q, %q, %v, %dt, %g, %a, %db weights(%w) {feature = #ida.feature<hedgehog, 64>, basis = #ida.basis<8, softmax>}
      : (tensor<?x?x2x64xf32>, tensor<?x?x2x64xf32>, tensor<?x?x2x64xf32>, tensor<?x?x2xf32>, tensor<?x?x2x8xf32>, tensor<2x8xf32>, tensor<2xf32>, tensor<2x64x64xf32>) -> tensor<?x?x2x64xf32>
  return %y : tensor<?x?x2x64xf32>
}

// Softmax attention: blocks BM, BN; decode: value tile only.
// CHECK-LABEL: func.func @attention_and_decode
// CHECK: ida.fused "softmax_attn_fwd"
// CHECK-SAME: plan = {default = {BM = 64 : i64, BN = 64 : i64, NUM_WARPS = 4 : i64, STAGES = 2 : i64}
// CHECK-SAME: keys = ["BM", "BN", "NUM_WARPS", "STAGES"]}, strategy = "flash"}
// CHECK: ida.fused "decode"
// CHECK-SAME: plan = {default = {BV = 16 : i64, NUM_WARPS = 4 : i64, STAGES = 2 : i64}, space = {configs = {{\[\[}}16, 4, 1], [16, 4, 2], [16, 8, 1], [16, 8, 2]], keys = ["BV", "NUM_WARPS", "STAGES"]}, strategy = "decode"}
func.func @attention_and_decode(%x: tensor<?x?x2x8xf32>, %q: tensor<?x2x8xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x1xf32>,
    %a: tensor<2x1xf32>, %db: tensor<2xf32>, %s: tensor<?x2x1x8x8xf32>) -> (tensor<?x?x2x8xf32>, tensor<?x2x1x8x8xf32>) {
  %o = ida.softmax_attention %x, %x, %x : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %db state(%s) {feature = #ida.feature<identity>, basis = #ida.basis<1, uniform>}
      : (tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2xf32>, tensor<?x2x1xf32>, tensor<2x1xf32>, tensor<2xf32>, tensor<?x2x1x8x8xf32>) -> (tensor<?x2x8xf32>, tensor<?x2x1x8x8xf32>)
  return %o, %s1 : tensor<?x?x2x8xf32>, tensor<?x2x1x8x8xf32>
}

// bf16 activations: the scan and softmax spaces get the tensor-core key MMA
// (appended; every row with 0 = fp32 matmuls and 2 = split-bf16 mma),
// default 2; decode (C = 1, no product of the mma shape) gets none.
// CHECK-LABEL: func.func @bf16_tensor_cores
// CHECK: ida.fused "scan_fwd"
// CHECK-SAME: plan = {default = {BV = 64 : i64, C = 48 : i64, MMA = 2 : i64, NUM_WARPS = 4 : i64, STAGES = 2 : i64, STRATEGY = 0 : i64}
// CHECK-SAME: space = {configs = {{\[\[}}0, 16, 16, 4, 1, 0], [0, 16, 16, 4, 1, 2], [0, 16, 16, 4, 2, 0], [0, 16, 16, 4, 2, 2],
// CHECK-SAME: keys = ["STRATEGY", "C", "BV", "NUM_WARPS", "STAGES", "MMA"]}, strategy = "onepass"}
// CHECK: ida.fused "softmax_attn_fwd"
// CHECK-SAME: plan = {default = {BM = 64 : i64, BN = 64 : i64, MMA = 2 : i64, NUM_WARPS = 4 : i64, STAGES = 2 : i64}
// CHECK-SAME: keys = ["BM", "BN", "NUM_WARPS", "STAGES", "MMA"]}, strategy = "flash"}
// CHECK: ida.fused "decode"
// CHECK-SAME: keys = ["BV", "NUM_WARPS", "STAGES"]}, strategy = "decode"}
func.func @bf16_tensor_cores(%q: tensor<?x?x2x32xbf16>, %v: tensor<?x?x2x64xbf16>, %dt: tensor<?x?x2xbf16>,
    %g: tensor<?x?x2x4xbf16>, %a: tensor<2x4xf32>, %db: tensor<2xf32>, %x: tensor<?x?x2x8xbf16>,
    %q1: tensor<?x2x8xbf16>, %dt1: tensor<?x2xbf16>, %g1: tensor<?x2x1xbf16>, %a1: tensor<2x1xf32>,
    %s: tensor<?x2x1x8x8xf32>) -> (tensor<?x?x2x64xbf16>, tensor<?x?x2x8xbf16>, tensor<?x2x8xbf16>, tensor<?x2x1x8x8xf32>) {
  %y = ida.attention %q, %q, %v, %dt, %g, %a, %db {feature = #ida.feature<elu1>, basis = #ida.basis<4, softmax>, chunk = 48}
      : (tensor<?x?x2x32xbf16>, tensor<?x?x2x32xbf16>, tensor<?x?x2x64xbf16>, tensor<?x?x2xbf16>, tensor<?x?x2x4xbf16>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<?x?x2x64xbf16>
  %o = ida.softmax_attention %x, %x, %x : (tensor<?x?x2x8xbf16>, tensor<?x?x2x8xbf16>, tensor<?x?x2x8xbf16>) -> tensor<?x?x2x8xbf16>
  %y1, %s1 = ida.decode_step %q1, %q1, %q1, %dt1, %g1, %a1, %db state(%s) {feature = #ida.feature<identity>, basis = #ida.basis<1, uniform>}
      : (tensor<?x2x8xbf16>, tensor<?x2x8xbf16>, tensor<?x2x8xbf16>, tensor<?x2xbf16>, tensor<?x2x1xbf16>, tensor<2x1xf32>, tensor<2xf32>, tensor<?x2x1x8x8xf32>) -> (tensor<?x2x8xbf16>, tensor<?x2x1x8x8xf32>)
  return %y, %o, %y1, %s1 : tensor<?x?x2x64xbf16>, tensor<?x?x2x8xbf16>, tensor<?x2x8xbf16>, tensor<?x2x1x8x8xf32>
}

// Errors of ida-plan, located at the source op of the group.
// RUN: ida-opt %s --split-input-file --verify-diagnostics --ida-decompose --ida-fuse --ida-plan="smem-budget=100000 bwd-budget=1000"
// RUN: not ida-opt %s --ida-decompose --ida-fuse --ida-plan="chunks=0,32" 2>&1 | FileCheck %s --check-prefix=CHUNK
// RUN: not ida-opt %s --ida-decompose --ida-fuse --ida-plan="strategy=threepass" 2>&1 | FileCheck %s --check-prefix=STRATEGY

// CHUNK: ida-plan-invalid.mlir:[[@LINE+8]]:8: error: 'ida.fused' op invalid chunk length 0 in ida-plan 'chunks' (expected >= 1)
// STRATEGY: ida-plan-invalid.mlir:[[@LINE+7]]:8: error: 'ida.fused' op unknown scan strategy 'threepass' (expected auto, onepass or twopass)

// A state tile that cannot fit the on-chip budget with any chunk and value
// tile: hedgehog F = 128, N = 8.
func.func @no_tile_fits(%q: tensor<?x?x2x64xf32>, %v: tensor<?x?x2x64xf32>, %dt: tensor<?x?x2xf32>,
    %g: tensor<?x?x2x8xf32>, %a: tensor<2x8xf32>, %db: tensor<2xf32>, %w: tensor<2x64x64xf32>) -> tensor<?x?x2x64xf32> {
  // expected-error @+1 {{tuning space cannot fit any tile: the smallest tile needs 105472 bytes on chip, more than the budget 100000 (ida-plan smem-budget)}}
  %y = ida.attention %q, %q, %v, %dt, %g, %a, %db weights(%w) {feature = #ida.feature<hedgehog, 64>, basis = #ida.basis<8, softmax>}
      : (tensor<?x?x2x64xf32>, tensor<?x?x2x64xf32>, tensor<?x?x2x64xf32>, tensor<?x?x2xf32>, tensor<?x?x2x8xf32>, tensor<2x8xf32>, tensor<2xf32>, tensor<2x64x64xf32>) -> tensor<?x?x2x64xf32>
  return %y : tensor<?x?x2x64xf32>
}

// -----

// The backward's budget is separate (its program keeps the whole value width).
func.func @bwd_too_big(%pq: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %dt: tensor<?x?x2xf32>,
    %g: tensor<?x?x2x1xf32>, %a: tensor<2x1xf32>, %db: tensor<2xf32>, %dy: tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32> {
  %la, %be = ida.discretize %dt, %a, %db : (tensor<?x?x2xf32>, tensor<2x1xf32>, tensor<2xf32>) -> (tensor<?x?x2x1xf32>, tensor<?x?x2xf32>)
  %ga = ida.basis_weights %g {kind = #ida.weights<uniform>} : (tensor<?x?x2x1xf32>) -> tensor<?x?x2x1xf32>
  // expected-error @+1 {{tuning space cannot fit any tile: the smallest tile needs 19296 bytes on chip, more than the budget 1000 (ida-plan bwd-budget)}}
  %dq, %dk, %dv, %dla, %dbe, %dga = ida.scan_grad %pq, %pq, %v, %la, %be, %ga, %dy
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x1xf32>, tensor<?x?x2xf32>, tensor<?x?x2x1xf32>, tensor<?x?x2x8xf32>)
      -> (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x1xf32>, tensor<?x?x2xf32>, tensor<?x?x2x1xf32>)
  return %dv : tensor<?x?x2x8xf32>
}

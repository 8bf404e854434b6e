// RUN: ida-opt %s --ida-fuse | FileCheck %s
// RUN: ida-opt %s --ida-fuse | ida-opt | FileCheck %s

// Forward: the scan and its whole prologue become one group whose inputs are
// the raw q, k, v, dt, g, A_log, dt_bias, W, S0; phi(q), phi(k), loga, beta,
// gamma exist only inside it.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[Q:[^:]*]]: {{[^,]*}}, %[[K:[^:]*]]: {{[^,]*}}, %[[V:[^:]*]]: {{[^,]*}}, %[[DT:[^:]*]]: {{[^,]*}}, %[[G:[^:]*]]: {{[^,]*}}, %[[A:[^:]*]]: {{[^,]*}}, %[[DB:[^:]*]]: {{[^,]*}}, %[[W:[^:]*]]: {{[^,]*}}, %[[S0:[^:]*]]: {{[^)]*}})
// CHECK-NEXT: %[[R:.*]]:2 = ida.fused "scan_fwd"(%[[Q]], %[[W]], %[[K]], %[[DT]], %[[A]], %[[DB]], %[[G]], %[[V]], %[[S0]])
// CHECK: ida.feature_map
// CHECK: ida.feature_map
// CHECK: ida.discretize
// CHECK: ida.basis_weights
// CHECK: %[[Y:.*]], %[[ST:.*]] = ida.scan
// CHECK: ida.yield %[[Y]], %[[ST]]
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @forward(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>,
    %dt: tensor<?x?x4xf32>, %g: tensor<?x?x4x2xf32>, %a: tensor<4x2xf32>, %db: tensor<4xf32>,
    %w: tensor<4x8x16xf32>, %s0: tensor<?x4x2x16x16xf32>)
    -> (tensor<?x?x4x16xf32>, tensor<?x4x2x16x16xf32>) {
  %pq = ida.feature_map %q weights(%w) {feature = #ida.feature<hedgehog, 8>} : (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>) -> tensor<?x?x4x16xf32>
  %pk = ida.feature_map %k weights(%w) {feature = #ida.feature<hedgehog, 8>} : (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>) -> tensor<?x?x4x16xf32>
  %la, %be = ida.discretize %dt, %a, %db : (tensor<?x?x4xf32>, tensor<4x2xf32>, tensor<4xf32>) -> (tensor<?x?x4x2xf32>, tensor<?x?x4xf32>)
  %ga = ida.basis_weights %g {kind = #ida.weights<softmax>} : (tensor<?x?x4x2xf32>) -> tensor<?x?x4x2xf32>
  %y, %s = ida.scan %pq, %pk, %v, %la, %be, %ga init(%s0) : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4xf32>, tensor<?x?x4x2xf32>, tensor<?x4x2x16x16xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x4x2x16x16xf32>)
  return %y, %s : tensor<?x?x4x16xf32>, tensor<?x4x2x16x16xf32>
}

// Backward: scan_grad with its recomputed prologue and the prologue
// gradients, including the sum of the two dW; only input cotangents leave
// the group. A dead forward scan is dropped.
// CHECK-LABEL: func.func @backward
// CHECK-NOT: ida.scan
// CHECK: %[[B:.*]]:6 = ida.fused "scan_bwd"
// CHECK: ida.feature_map
// CHECK: ida.scan_grad
// CHECK: ida.feature_map_grad
// CHECK: ida.feature_map_grad
// CHECK: ida.discretize_grad
// CHECK: ida.basis_weights_grad
// CHECK: %[[SUM:.*]] = arith.addf
// CHECK: ida.yield {{.*}}, %[[SUM]] :
// CHECK-NOT: ida.feature_map
// CHECK: return %[[B]]#1, %[[B]]#2, %[[B]]#0, %[[B]]#3, %[[B]]#4, %[[B]]#5
func.func @backward(%q: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>,
    %dt: tensor<?x?x4xf32>, %g: tensor<?x?x4x2xf32>, %a: tensor<4x2xf32>, %db: tensor<4xf32>,
    %w: tensor<4x8x16xf32>, %dy: tensor<?x?x4x16xf32>)
    -> (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4xf32>, tensor<?x?x4x2xf32>, tensor<4x8x16xf32>) {
  %pq = ida.feature_map %q weights(%w) {feature = #ida.feature<prf, 8>} : (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>) -> tensor<?x?x4x8xf32>
  %pk = ida.feature_map %v weights(%w) {feature = #ida.feature<prf, 8>} : (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>) -> tensor<?x?x4x8xf32>
  %la, %be = ida.discretize %dt, %a, %db : (tensor<?x?x4xf32>, tensor<4x2xf32>, tensor<4xf32>) -> (tensor<?x?x4x2xf32>, tensor<?x?x4xf32>)
  %ga = ida.basis_weights %g {kind = #ida.weights<softmax>} : (tensor<?x?x4x2xf32>) -> tensor<?x?x4x2xf32>
  %y = ida.scan %pq, %pk, %v, %la, %be, %ga : (tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4xf32>, tensor<?x?x4x2xf32>) -> tensor<?x?x4x16xf32>
  %dq, %dk, %dv, %dla, %dbe, %dga = ida.scan_grad %pq, %pk, %v, %la, %be, %ga, %dy
      : (tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4x16xf32>)
      -> (tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4xf32>, tensor<?x?x4x2xf32>)
  %dxq, %dwq = ida.feature_map_grad %q weights(%w), %dq {feature = #ida.feature<prf, 8>} : (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>, tensor<?x?x4x8xf32>) -> (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>)
  %dxk, %dwk = ida.feature_map_grad %v weights(%w), %dk {feature = #ida.feature<prf, 8>} : (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>, tensor<?x?x4x8xf32>) -> (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>)
  %ddt, %da, %ddb = ida.discretize_grad %dt, %a, %db, %dla, %dbe : (tensor<?x?x4xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4xf32>) -> (tensor<?x?x4xf32>, tensor<4x2xf32>, tensor<4xf32>)
  %dg = ida.basis_weights_grad %g, %dga {kind = #ida.weights<softmax>} : (tensor<?x?x4x2xf32>, tensor<?x?x4x2xf32>) -> tensor<?x?x4x2xf32>
  %dw = arith.addf %dwq, %dwk : tensor<4x8x16xf32>
  return %dxq, %dxk, %dv, %ddt, %dg, %dw : tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4xf32>, tensor<?x?x4x2xf32>, tensor<4x8x16xf32>
}

// Decode steps and softmax attention (forward and backward) are groups of
// one op each; groups are created in program order.
// CHECK-LABEL: func.func @others
// CHECK: ida.fused "decode"
// CHECK: ida.decode_step
// CHECK: ida.fused "softmax_attn_fwd"
// CHECK: ida.softmax_attention
// CHECK: ida.fused "softmax_attn_bwd"
// CHECK: ida.softmax_attention_grad
func.func @others(%q: tensor<?x2x8xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x1xf32>, %a: tensor<2x1xf32>, %db: tensor<2xf32>,
    %s: tensor<?x2x1x8x8xf32>, %x: tensor<?x?x2x8xf32>)
    -> (tensor<?x2x8xf32>, tensor<?x2x1x8x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) {
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %db state(%s) {feature = #ida.feature<identity>, basis = #ida.basis<1, uniform>}
      : (tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2xf32>, tensor<?x2x1xf32>, tensor<2x1xf32>, tensor<2xf32>, tensor<?x2x1x8x8xf32>) -> (tensor<?x2x8xf32>, tensor<?x2x1x8x8xf32>)
  %o = ida.softmax_attention %x, %x, %x : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  %d1, %d2, %d3 = ida.softmax_attention_grad %x, %x, %x, %o : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>)
  return %y, %s1, %o, %d1 : tensor<?x2x8xf32>, tensor<?x2x1x8x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
}

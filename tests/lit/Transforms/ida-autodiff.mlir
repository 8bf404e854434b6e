// RUN: ida-opt %s --ida-autodiff | FileCheck %s
// RUN: ida-opt %s --ida-autodiff="funcs=mamba2" | FileCheck %s --check-prefix=ONE

// Primitives: the forward is recomputed, then each op's rule runs in reverse
// order; the two feature maps' dW are summed; the VJP takes the primal
// inputs and one cotangent per output and returns one cotangent per input.
// CHECK-LABEL: func.func @primitives(
// CHECK-LABEL: func.func @primitives_vjp(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<?x?x4x16xf32>, %[[K:[^:]*]]: tensor<?x?x4x16xf32>, %[[V:[^:]*]]: tensor<?x?x4x16xf32>, %[[DT:[^:]*]]: tensor<?x?x4xf32>, %[[G:[^:]*]]: tensor<?x?x4x2xf32>, %[[A:[^:]*]]: tensor<4x2xf32>, %[[DB:[^:]*]]: tensor<4xf32>, %[[W:[^:]*]]: tensor<4x8x16xf32>, %[[S0:[^:]*]]: tensor<?x4x2x16x16xf32>, %[[DY:[^:]*]]: tensor<?x?x4x16xf32>, %[[DST:[^:]*]]: tensor<?x4x2x16x16xf32>)
// CHECK-SAME: -> (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4xf32>, tensor<?x?x4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4x8x16xf32>, tensor<?x4x2x16x16xf32>)
// CHECK: %[[PQ:.*]] = ida.feature_map %[[Q]] weights(%[[W]])
// CHECK: %[[PK:.*]] = ida.feature_map %[[K]] weights(%[[W]])
// CHECK: %[[LA:.*]], %[[BE:.*]] = ida.discretize %[[DT]], %[[A]], %[[DB]]
// CHECK: %[[GA:.*]] = ida.basis_weights %[[G]]
// CHECK: ida.scan
// CHECK: %[[DQ:[^,]*]], %[[DK:[^,]*]], %[[DV:[^,]*]], %[[DLA:[^,]*]], %[[DBE:[^,]*]], %[[DGA:[^,]*]], %[[DS0:[^ ]*]] = ida.scan_grad %[[PQ]], %[[PK]], %[[V]], %[[LA]], %[[BE]], %[[GA]], %[[DY]] init(%[[S0]]) final_grad(%[[DST]])
// CHECK: %[[DG:.*]] = ida.basis_weights_grad %[[G]], %[[DGA]]
// CHECK: %[[DDT:[^,]*]], %[[DA:[^,]*]], %[[DDB:[^ ]*]] = ida.discretize_grad %[[DT]], %[[A]], %[[DB]], %[[DLA]], %[[DBE]]
// CHECK: %[[DXK:[^,]*]], %[[DWK:[^ ]*]] = ida.feature_map_grad %[[K]] weights(%[[W]]), %[[DK]]
// CHECK: %[[DXQ:[^,]*]], %[[DWQ:[^ ]*]] = ida.feature_map_grad %[[Q]] weights(%[[W]]), %[[DQ]]
// CHECK: %[[DW:.*]] = arith.addf %[[DWK]], %[[DWQ]]
// CHECK: return %[[DXQ]], %[[DXK]], %[[DV]], %[[DDT]], %[[DG]], %[[DA]], %[[DDB]], %[[DW]], %[[DS0]] :
func.func @primitives(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>,
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

// Family member (spec §7): Mamba-2 / SSD-like, through the composite's rule.
// ONE-NOT: func.func @linear_vjp
// ONE-LABEL: func.func @mamba2_vjp(
// ONE-NOT: func.func @linear_vjp
// CHECK-LABEL: func.func @mamba2_vjp(
// CHECK-SAME: -> (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2xf32>, tensor<?x?x2x1xf32>, tensor<2x1xf32>, tensor<2xf32>)
// CHECK: ida.scan_grad {{.*}} {chunk = 16 : i64}
// CHECK-DAG: ida.feature_map_grad {{.*}} {feature = #ida.feature<identity>}
// CHECK-DAG: ida.basis_weights_grad {{.*}} {kind = #ida.weights<uniform>}
func.func @mamba2(%q: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %dt: tensor<?x?x2xf32>,
    %g: tensor<?x?x2x1xf32>, %a: tensor<2x1xf32>, %db: tensor<2xf32>) -> tensor<?x?x2x8xf32> {
  %y = ida.attention %q, %q, %v, %dt, %g, %a, %db {feature = #ida.feature<identity>, basis = #ida.basis<1, uniform>, chunk = 16}
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2xf32>, tensor<?x?x2x1xf32>, tensor<2x1xf32>, tensor<2xf32>) -> tensor<?x?x2x8xf32>
  return %y : tensor<?x?x2x8xf32>
}

// Family member: linear attention (N = 1, elu1, normalized); q is used as
// both queries and keys, so its two cotangents are summed.
// CHECK-LABEL: func.func @linear_vjp(
// CHECK: ida.scan_grad {{.*}} {normalize = true}
// CHECK: %[[DXK:[^,]*]] = ida.feature_map_grad {{.*}} {feature = #ida.feature<elu1>}
// CHECK: %[[DXQ:[^,]*]] = ida.feature_map_grad {{.*}} {feature = #ida.feature<elu1>}
// CHECK: %[[SUM:.*]] = arith.addf %[[DXK]], %[[DXQ]]
// CHECK: return %[[SUM]],
func.func @linear(%q: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %dt: tensor<?x?x2xf32>,
    %g: tensor<?x?x2x1xf32>, %a: tensor<2x1xf32>, %db: tensor<2xf32>) -> tensor<?x?x2x8xf32> {
  %y = ida.attention %q, %q, %v, %dt, %g, %a, %db {feature = #ida.feature<elu1>, basis = #ida.basis<1, uniform>, normalize = true}
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2xf32>, tensor<?x?x2x1xf32>, tensor<2x1xf32>, tensor<2xf32>) -> tensor<?x?x2x8xf32>
  return %y : tensor<?x?x2x8xf32>
}

// Family member: uniform-basis multi-timescale SSM (N = 4), in a hybrid with
// softmax attention on top: the cotangent of y1 is the attention's dv.
// CHECK-LABEL: func.func @ssm_hybrid_vjp(
// CHECK-SAME: %[[DY2:[^:]*]]: tensor<?x?x2x8xf32>) -> (
// CHECK: %{{[^,]*}}, %{{[^,]*}}, %[[ADV:[^ ]*]] = ida.softmax_attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %[[DY2]] {window = 16 : i64}
// CHECK: ida.scan_grad {{.*}}, %[[ADV]] {chunk = 32 : i64}
// CHECK: ida.basis_weights_grad {{.*}} {kind = #ida.weights<uniform>}
func.func @ssm_hybrid(%q: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %dt: tensor<?x?x2xf32>,
    %g: tensor<?x?x2x4xf32>, %a: tensor<2x4xf32>, %db: tensor<2xf32>, %q2: tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32> {
  %y1 = ida.attention %q, %q, %v, %dt, %g, %a, %db {feature = #ida.feature<identity>, basis = #ida.basis<4, uniform>, chunk = 32}
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2xf32>, tensor<?x?x2x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<?x?x2x8xf32>
  %y2 = ida.softmax_attention %q2, %q2, %y1 {window = 16} : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  return %y2 : tensor<?x?x2x8xf32>
}

// Residual sums differentiate to identity (the cotangent flows to both
// operands and is summed where they meet).
// CHECK-LABEL: func.func @residual_vjp(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x?x2x8xf32>, %[[DH:[^:]*]]: tensor<?x?x2x8xf32>)
// CHECK: %[[GQ:[^,]*]], %[[GK:[^,]*]], %[[GV:[^ ]*]] = ida.softmax_attention_grad %[[X]], %[[X]], %[[X]], %[[DH]]
// CHECK: %[[S1:.*]] = arith.addf %[[DH]], %[[GQ]]
// CHECK: %[[S2:.*]] = arith.addf %[[S1]], %[[GK]]
// CHECK: %[[S3:.*]] = arith.addf %[[S2]], %[[GV]]
// CHECK: return %[[S3]]
func.func @residual(%x: tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32> {
  %y = ida.softmax_attention %x, %x, %x : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  %h = arith.addf %x, %y : tensor<?x?x2x8xf32>
  return %h : tensor<?x?x2x8xf32>
}

// Buffer names carry over: inputs keep theirs, cotangents get "d<name>".
// CHECK-LABEL: func.func @named_vjp(
// CHECK-SAME: %{{[^:]*}}: tensor<?x?x2x8xf32> {ida.name = "x"}, %{{[^:]*}}: tensor<?x?x2x8xf32> {ida.name = "dout"})
// CHECK-SAME: -> (tensor<?x?x2x8xf32> {ida.name = "dx"})
func.func @named(%x: tensor<?x?x2x8xf32> {ida.name = "x"}) -> (tensor<?x?x2x8xf32> {ida.name = "out"}) {
  %y = ida.softmax_attention %x, %x, %x : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  return %y : tensor<?x?x2x8xf32>
}

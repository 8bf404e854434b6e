// RUN: ida-opt %s --ida-test-vjp --verify-diagnostics | FileCheck %s

// The VJP rule of ida.scan is an ida.scan_grad with the same options whose
// results are the cotangents of every scan operand (S0 included).
// CHECK-LABEL: func.func @scan_vjp
// CHECK: %[[Y:.*]], %[[S:.*]] = ida.scan %[[Q:[^,]*]], %[[K:[^,]*]], %[[V:[^,]*]], %[[LA:[^,]*]], %[[BE:[^,]*]], %[[GA:[^ ]*]] init(%[[S0:.*]]) {chunk = 16 : i64}
// CHECK: ida.scan_grad %[[Q]], %[[K]], %[[V]], %[[LA]], %[[BE]], %[[GA]], %[[Y]] init(%[[S0]]) final_grad(%[[S]]) {chunk = 16 : i64} : ({{.*}}) -> ({{.*}}, tensor<?x4x8x16x16xf32>)
func.func @scan_vjp(%q: tensor<?x?x4x16xf32>, %la: tensor<?x?x4x8xf32>, %be: tensor<?x?x4xf32>, %s0: tensor<?x4x8x16x16xf32>) {
  // expected-remark @+1 {{VJP built with 7 gradient(s)}}
  %y, %s = ida.scan %q, %q, %q, %la, %be, %la init(%s0) {chunk = 16} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>, tensor<?x4x8x16x16xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x4x8x16x16xf32>)
  return
}

// Feature maps: dx, and dW for the maps with weights.
// CHECK-LABEL: func.func @feature_map_vjp
// CHECK: %[[P:.*]] = ida.feature_map %[[X:[^ ]*]] {feature = #ida.feature<elu1>}
// CHECK: ida.feature_map_grad %[[X]], %[[P]] {feature = #ida.feature<elu1>} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
// CHECK: %[[H:.*]] = ida.feature_map %[[X]] weights(%[[W:.*]]) {feature = #ida.feature<hedgehog, 8>}
// CHECK: ida.feature_map_grad %[[X]] weights(%[[W]]), %[[H]] {feature = #ida.feature<hedgehog, 8>} : ({{.*}}) -> (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>)
func.func @feature_map_vjp(%x: tensor<?x?x4x16xf32>, %w: tensor<4x8x16xf32>) {
  // expected-remark @+1 {{VJP built with 1 gradient(s)}}
  %0 = ida.feature_map %x {feature = #ida.feature<elu1>} : (tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  // expected-remark @+1 {{VJP built with 2 gradient(s)}}
  %1 = ida.feature_map %x weights(%w) {feature = #ida.feature<hedgehog, 8>} : (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>) -> tensor<?x?x4x16xf32>
  return
}

// Discretization: ddt, dA_log, ddt_bias from dloga and dbeta.
// CHECK-LABEL: func.func @discretize_vjp
// CHECK: %[[LA:.*]], %[[BE:.*]] = ida.discretize %[[DT:[^,]*]], %[[A:[^,]*]], %[[DB:[^ ]*]] :
// CHECK: ida.discretize_grad %[[DT]], %[[A]], %[[DB]], %[[LA]], %[[BE]] : ({{.*}}) -> (tensor<?x?x4xbf16>, tensor<4x8xf32>, tensor<4xf32>)
func.func @discretize_vjp(%dt: tensor<?x?x4xbf16>, %a: tensor<4x8xf32>, %db: tensor<4xf32>) {
  // expected-remark @+1 {{VJP built with 3 gradient(s)}}
  %la, %be = ida.discretize %dt, %a, %db : (tensor<?x?x4xbf16>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<?x?x4x8xf32>, tensor<?x?x4xf32>)
  return
}

// Basis weights (every kind) and softmax attention.
// CHECK-LABEL: func.func @weights_and_softmax_vjp
// CHECK: ida.basis_weights_grad %{{.*}}, %{{.*}} {kind = #ida.weights<sigmoid>} : (tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>) -> tensor<?x?x4x8xf32>
// CHECK: ida.softmax_attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {window = 8 : i64} : ({{.*}}) -> (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>)
func.func @weights_and_softmax_vjp(%g: tensor<?x?x4x8xf32>, %x: tensor<?x?x4x16xf32>) {
  // expected-remark @+1 {{VJP built with 1 gradient(s)}}
  %0 = ida.basis_weights %g {kind = #ida.weights<sigmoid>} : (tensor<?x?x4x8xf32>) -> tensor<?x?x4x8xf32>
  // expected-remark @+1 {{VJP built with 3 gradient(s)}}
  %1 = ida.softmax_attention %x, %x, %x {window = 8} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  return
}

// The composite recomputes its decomposition and chains the rules; the two
// feature maps' dW are summed.
// CHECK-LABEL: func.func @attention_vjp
// CHECK: ida.scan_grad
// CHECK-DAG: %[[DXQ:.*]], %[[DWQ:.*]] = ida.feature_map_grad
// CHECK-DAG: %[[DXK:.*]], %[[DWK:.*]] = ida.feature_map_grad
// CHECK-DAG: ida.discretize_grad
// CHECK-DAG: ida.basis_weights_grad
// CHECK: arith.addf %[[DWQ]], %[[DWK]] : tensor<4x8x16xf32>
func.func @attention_vjp(%q: tensor<?x?x4x16xf32>, %dt: tensor<?x?x4xf32>, %g: tensor<?x?x4x2xf32>, %a: tensor<4x2xf32>, %db: tensor<4xf32>, %w: tensor<4x8x16xf32>) {
  // expected-remark @+1 {{VJP built with 8 gradient(s)}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %db weights(%w) {basis = #ida.basis<2, softmax>, feature = #ida.feature<prf, 8>} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4xf32>, tensor<?x?x4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4x8x16xf32>) -> tensor<?x?x4x16xf32>
  return
}

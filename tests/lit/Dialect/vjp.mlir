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

// Other ops declare the interface but have no rule yet.
// CHECK-LABEL: func.func @no_rule_yet
func.func @no_rule_yet(%x: tensor<?x?x4x16xf32>) {
  // expected-remark @+1 {{no VJP rule}}
  %0 = ida.feature_map %x {feature = #ida.feature<elu1>} : (tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  return
}

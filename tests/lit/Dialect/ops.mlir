// RUN: ida-opt %s | ida-opt | FileCheck %s
// RUN: ida-opt %s --mlir-print-op-generic | ida-opt | FileCheck %s

// Round trip of every ida op and attribute, every optional form, static and
// dynamic B/T, and f32/bf16/f16 activations. Shapes: H = 4, D = 16, P = 16,
// N = 8, F = D for identity/elu1/relu.

//===----------------------------------------------------------------------===//
// ida.feature_map
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @feature_map_simple
func.func @feature_map_simple(%x: tensor<?x?x4x16xf32>, %xs: tensor<2x32x4x16xbf16>, %xh: tensor<1x?x4x16xf16>) {
  // CHECK: ida.feature_map %{{.*}} {feature = #ida.feature<identity>} : (tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  %0 = ida.feature_map %x {feature = #ida.feature<identity>} : (tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  // CHECK: ida.feature_map %{{.*}} {feature = #ida.feature<elu1>} : (tensor<2x32x4x16xbf16>) -> tensor<2x32x4x16xbf16>
  %1 = ida.feature_map %xs {feature = #ida.feature<elu1>} : (tensor<2x32x4x16xbf16>) -> tensor<2x32x4x16xbf16>
  // CHECK: ida.feature_map %{{.*}} {feature = #ida.feature<relu>} : (tensor<1x?x4x16xf16>) -> tensor<1x?x4x16xf16>
  %2 = ida.feature_map %xh {feature = #ida.feature<relu>} : (tensor<1x?x4x16xf16>) -> tensor<1x?x4x16xf16>
  // taylor2: F = 1 + 16 + 256 = 273. A static dim may refine a dynamic one.
  // CHECK: ida.feature_map %{{.*}} {feature = #ida.feature<taylor2>} : (tensor<?x?x4x16xf32>) -> tensor<2x?x4x273xf32>
  %3 = ida.feature_map %x {feature = #ida.feature<taylor2>} : (tensor<?x?x4x16xf32>) -> tensor<2x?x4x273xf32>
  return
}

// CHECK-LABEL: func.func @feature_map_weights
func.func @feature_map_weights(%x: tensor<?x?x4x16xf32>, %w: tensor<4x32x16xf32>, %xb: tensor<3x7x4x16xbf16>, %wb: tensor<4x8x16xbf16>) {
  // CHECK: ida.feature_map %{{.*}} weights(%{{.*}}) {feature = #ida.feature<prf, 32>} : (tensor<?x?x4x16xf32>, tensor<4x32x16xf32>) -> tensor<?x?x4x32xf32>
  %0 = ida.feature_map %x weights(%w) {feature = #ida.feature<prf, 32>} : (tensor<?x?x4x16xf32>, tensor<4x32x16xf32>) -> tensor<?x?x4x32xf32>
  // hedgehog: F = 2 F'.
  // CHECK: ida.feature_map %{{.*}} weights(%{{.*}}) {feature = #ida.feature<hedgehog, 32>} : (tensor<?x?x4x16xf32>, tensor<4x32x16xf32>) -> tensor<?x?x4x64xf32>
  %1 = ida.feature_map %x weights(%w) {feature = #ida.feature<hedgehog, 32>} : (tensor<?x?x4x16xf32>, tensor<4x32x16xf32>) -> tensor<?x?x4x64xf32>
  // CHECK: ida.feature_map %{{.*}} weights(%{{.*}}) {feature = #ida.feature<hedgehog, 8>} : (tensor<3x7x4x16xbf16>, tensor<4x8x16xbf16>) -> tensor<3x7x4x16xbf16>
  %2 = ida.feature_map %xb weights(%wb) {feature = #ida.feature<hedgehog, 8>} : (tensor<3x7x4x16xbf16>, tensor<4x8x16xbf16>) -> tensor<3x7x4x16xbf16>
  return
}

//===----------------------------------------------------------------------===//
// ida.discretize, ida.basis_weights
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @discretize
func.func @discretize(%dt: tensor<?x?x4xf32>, %a: tensor<4x8xf32>, %b: tensor<4xf32>, %dth: tensor<2x64x4xf16>, %ab: tensor<4x8xbf16>) {
  // CHECK: ida.discretize %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x4xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<?x?x4x8xf32>, tensor<?x?x4xf32>)
  %loga, %beta = ida.discretize %dt, %a, %b : (tensor<?x?x4xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<?x?x4x8xf32>, tensor<?x?x4xf32>)
  // CHECK: ida.discretize %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x64x4xf16>, tensor<4x8xbf16>, tensor<4xf32>) -> (tensor<2x64x4x8xf32>, tensor<2x64x4xf32>)
  %loga2, %beta2 = ida.discretize %dth, %ab, %b : (tensor<2x64x4xf16>, tensor<4x8xbf16>, tensor<4xf32>) -> (tensor<2x64x4x8xf32>, tensor<2x64x4xf32>)
  return
}

// CHECK-LABEL: func.func @basis_weights
func.func @basis_weights(%g: tensor<?x?x4x8xbf16>, %gs: tensor<2x16x4x8xf32>, %gh: tensor<?x16x4x1xf16>) {
  // CHECK: ida.basis_weights %{{.*}} {kind = #ida.weights<softmax>} : (tensor<?x?x4x8xbf16>) -> tensor<?x?x4x8xf32>
  %0 = ida.basis_weights %g {kind = #ida.weights<softmax>} : (tensor<?x?x4x8xbf16>) -> tensor<?x?x4x8xf32>
  // CHECK: ida.basis_weights %{{.*}} {kind = #ida.weights<sigmoid>} : (tensor<2x16x4x8xf32>) -> tensor<2x16x4x8xf32>
  %1 = ida.basis_weights %gs {kind = #ida.weights<sigmoid>} : (tensor<2x16x4x8xf32>) -> tensor<2x16x4x8xf32>
  // CHECK: ida.basis_weights %{{.*}} {kind = #ida.weights<uniform>} : (tensor<?x16x4x1xf16>) -> tensor<?x16x4x1xf32>
  %2 = ida.basis_weights %gh {kind = #ida.weights<uniform>} : (tensor<?x16x4x1xf16>) -> tensor<?x16x4x1xf32>
  return
}

//===----------------------------------------------------------------------===//
// ida.scan
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @scan_plain
func.func @scan_plain(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>, %la: tensor<?x?x4x8xf32>, %be: tensor<?x?x4xf32>, %ga: tensor<?x?x4x8xf32>) -> tensor<?x?x4x16xf32> {
  // CHECK: %[[Y:.*]] = ida.scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>) -> tensor<?x?x4x16xf32>
  %y = ida.scan %q, %k, %v, %la, %be, %ga : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>) -> tensor<?x?x4x16xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<?x?x4x16xf32>
}

// CHECK-LABEL: func.func @scan_states
func.func @scan_states(%q: tensor<2x128x4x16xbf16>, %k: tensor<2x128x4x16xbf16>, %v: tensor<2x128x4x32xbf16>, %la: tensor<2x128x4x8xf32>, %be: tensor<2x128x4xf32>, %ga: tensor<2x128x4x8xf32>, %s0: tensor<2x4x8x16x32xf32>) {
  // CHECK: ida.scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} init(%{{.*}}) {chunk = 32 : i64} : (tensor<2x128x4x16xbf16>, tensor<2x128x4x16xbf16>, tensor<2x128x4x32xbf16>, tensor<2x128x4x8xf32>, tensor<2x128x4xf32>, tensor<2x128x4x8xf32>, tensor<2x4x8x16x32xf32>) -> (tensor<2x128x4x32xbf16>, tensor<2x4x8x16x32xf32>)
  %y, %sT = ida.scan %q, %k, %v, %la, %be, %ga init(%s0) {chunk = 32} : (tensor<2x128x4x16xbf16>, tensor<2x128x4x16xbf16>, tensor<2x128x4x32xbf16>, tensor<2x128x4x8xf32>, tensor<2x128x4xf32>, tensor<2x128x4x8xf32>, tensor<2x4x8x16x32xf32>) -> (tensor<2x128x4x32xbf16>, tensor<2x4x8x16x32xf32>)
  // No S0 but S_T returned; chunk 1 is legal.
  // CHECK: ida.scan {{.*}} {chunk = 1 : i64} : ({{.*}}) -> (tensor<2x128x4x32xbf16>, tensor<2x4x8x16x32xf32>)
  %y1, %sT1 = ida.scan %q, %k, %v, %la, %be, %ga {chunk = 1} : (tensor<2x128x4x16xbf16>, tensor<2x128x4x16xbf16>, tensor<2x128x4x32xbf16>, tensor<2x128x4x8xf32>, tensor<2x128x4xf32>, tensor<2x128x4x8xf32>) -> (tensor<2x128x4x32xbf16>, tensor<2x4x8x16x32xf32>)
  return
}

// CHECK-LABEL: func.func @scan_normalize
func.func @scan_normalize(%q: tensor<?x?x4x16xf16>, %k: tensor<?x?x4x16xf16>, %v: tensor<?x?x4x16xf16>, %la: tensor<?x?x4x8xf32>, %be: tensor<?x?x4xf32>, %ga: tensor<?x?x4x8xf32>, %s0: tensor<?x4x8x16x16xf32>, %z0: tensor<?x4x8x16xf32>) {
  // CHECK: ida.scan {{.*}} init(%{{.*}}) init_norm(%{{.*}}) {normalize = true} : ({{.*}}) -> (tensor<?x?x4x16xf16>, tensor<?x4x8x16x16xf32>, tensor<?x4x8x16xf32>)
  %y, %sT, %zT = ida.scan %q, %k, %v, %la, %be, %ga init(%s0) init_norm(%z0) {normalize = true} : (tensor<?x?x4x16xf16>, tensor<?x?x4x16xf16>, tensor<?x?x4x16xf16>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>, tensor<?x4x8x16x16xf32>, tensor<?x4x8x16xf32>) -> (tensor<?x?x4x16xf16>, tensor<?x4x8x16x16xf32>, tensor<?x4x8x16xf32>)
  // Z0 without S0, only y returned.
  // CHECK: ida.scan {{.*}} init_norm(%{{.*}}) {chunk = 16 : i64, normalize = true} : ({{.*}}) -> tensor<?x?x4x16xf16>
  %y2 = ida.scan %q, %k, %v, %la, %be, %ga init_norm(%z0) {chunk = 16, normalize = true} : (tensor<?x?x4x16xf16>, tensor<?x?x4x16xf16>, tensor<?x?x4x16xf16>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>, tensor<?x4x8x16xf32>) -> tensor<?x?x4x16xf16>
  return
}

//===----------------------------------------------------------------------===//
// ida.scan_grad
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @scan_grad_plain
func.func @scan_grad_plain(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>, %la: tensor<?x?x4x8xf32>, %be: tensor<?x?x4xf32>, %ga: tensor<?x?x4x8xf32>, %dy: tensor<?x?x4x16xf32>) {
  // CHECK: ida.scan_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : ({{.*}}) -> (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>)
  %dq, %dk, %dv, %dla, %dbe, %dga = ida.scan_grad %q, %k, %v, %la, %be, %ga, %dy : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x16xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>)
  return
}

// CHECK-LABEL: func.func @scan_grad_states
func.func @scan_grad_states(%q: tensor<2x64x4x16xbf16>, %k: tensor<2x64x4x16xbf16>, %v: tensor<2x64x4x16xbf16>, %la: tensor<2x64x4x8xf32>, %be: tensor<2x64x4xf32>, %ga: tensor<2x64x4x8xf32>, %dy: tensor<2x64x4x16xbf16>, %s0: tensor<2x4x8x16x16xf32>, %z0: tensor<2x4x8x16xf32>, %dsT: tensor<2x4x8x16x16xf32>, %dzT: tensor<2x4x8x16xf32>) {
  // CHECK: ida.scan_grad {{.*}} init(%{{.*}}) final_grad(%{{.*}}) {chunk = 32 : i64} : ({{.*}}) -> ({{.*}}, tensor<2x4x8x16x16xf32>)
  %r:7 = ida.scan_grad %q, %k, %v, %la, %be, %ga, %dy init(%s0) final_grad(%dsT) {chunk = 32} : (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x8xf32>, tensor<2x64x4xf32>, tensor<2x64x4x8xf32>, tensor<2x64x4x16xbf16>, tensor<2x4x8x16x16xf32>, tensor<2x4x8x16x16xf32>) -> (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x8xf32>, tensor<2x64x4xf32>, tensor<2x64x4x8xf32>, tensor<2x4x8x16x16xf32>)
  // CHECK: ida.scan_grad {{.*}} init(%{{.*}}) init_norm(%{{.*}}) final_grad(%{{.*}}) final_norm_grad(%{{.*}}) {normalize = true} : ({{.*}}) -> ({{.*}}, tensor<2x4x8x16x16xf32>, tensor<2x4x8x16xf32>)
  %n:8 = ida.scan_grad %q, %k, %v, %la, %be, %ga, %dy init(%s0) init_norm(%z0) final_grad(%dsT) final_norm_grad(%dzT) {normalize = true} : (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x8xf32>, tensor<2x64x4xf32>, tensor<2x64x4x8xf32>, tensor<2x64x4x16xbf16>, tensor<2x4x8x16x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x8xf32>, tensor<2x64x4xf32>, tensor<2x64x4x8xf32>, tensor<2x4x8x16x16xf32>, tensor<2x4x8x16xf32>)
  // Only dS_T, no initial state: no dS0 result.
  // CHECK: ida.scan_grad {{.*}} final_grad(%{{.*}}) : ({{.*}}) -> (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x8xf32>, tensor<2x64x4xf32>, tensor<2x64x4x8xf32>)
  %f:6 = ida.scan_grad %q, %k, %v, %la, %be, %ga, %dy final_grad(%dsT) : (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x8xf32>, tensor<2x64x4xf32>, tensor<2x64x4x8xf32>, tensor<2x64x4x16xbf16>, tensor<2x4x8x16x16xf32>) -> (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x8xf32>, tensor<2x64x4xf32>, tensor<2x64x4x8xf32>)
  return
}

//===----------------------------------------------------------------------===//
// ida.attention
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @attention_plain
func.func @attention_plain(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x32xf32>, %dt: tensor<?x?x4xf32>, %g: tensor<?x?x4x8xf32>, %a: tensor<4x8xf32>, %b: tensor<4xf32>) -> tensor<?x?x4x32xf32> {
  // CHECK: %[[Y:.*]] = ida.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {basis = #ida.basis<8, softmax>, feature = #ida.feature<elu1>} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x32xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<?x?x4x32xf32>
  %y = ida.attention %q, %k, %v, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<8, softmax>} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x32xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<?x?x4x32xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<?x?x4x32xf32>
}

// CHECK-LABEL: func.func @attention_all_options
func.func @attention_all_options(%q: tensor<2x256x4x16xbf16>, %k: tensor<2x256x4x16xbf16>, %v: tensor<2x256x4x16xbf16>, %dt: tensor<2x256x4xbf16>, %g: tensor<2x256x4x8xbf16>, %a: tensor<4x8xf32>, %b: tensor<4xf32>, %w: tensor<4x32x16xbf16>, %s0: tensor<2x4x8x64x16xf32>, %z0: tensor<2x4x8x64xf32>) {
  // hedgehog F' = 32 gives F = 64.
  // CHECK: ida.attention {{.*}} weights(%{{.*}}) init(%{{.*}}) init_norm(%{{.*}}) {basis = #ida.basis<8, sigmoid>, chunk = 128 : i64, feature = #ida.feature<hedgehog, 32>, normalize = true} : ({{.*}}) -> (tensor<2x256x4x16xbf16>, tensor<2x4x8x64x16xf32>, tensor<2x4x8x64xf32>)
  %y, %sT, %zT = ida.attention %q, %k, %v, %dt, %g, %a, %b weights(%w) init(%s0) init_norm(%z0) {feature = #ida.feature<hedgehog, 32>, basis = #ida.basis<8, sigmoid>, chunk = 128, normalize = true} : (tensor<2x256x4x16xbf16>, tensor<2x256x4x16xbf16>, tensor<2x256x4x16xbf16>, tensor<2x256x4xbf16>, tensor<2x256x4x8xbf16>, tensor<4x8xf32>, tensor<4xf32>, tensor<4x32x16xbf16>, tensor<2x4x8x64x16xf32>, tensor<2x4x8x64xf32>) -> (tensor<2x256x4x16xbf16>, tensor<2x4x8x64x16xf32>, tensor<2x4x8x64xf32>)
  return
}

// CHECK-LABEL: func.func @attention_family
func.func @attention_family(%q: tensor<?x?x4x16xf16>, %k: tensor<?x?x4x16xf16>, %v: tensor<?x?x4x16xf16>, %dt: tensor<?x?x4xf16>, %g1: tensor<?x?x4x1xf16>, %a1: tensor<4x1xf16>, %b: tensor<4xf16>, %s0: tensor<?x4x1x16x16xf32>, %wp: tensor<4x64x16xf16>, %g8: tensor<?x?x4x8xf16>, %a8: tensor<4x8xf32>) {
  // Mamba-2 / SSD: N = 1, identity, uniform weights; initial state and final state.
  // CHECK: ida.attention {{.*}} init(%{{.*}}) {basis = #ida.basis<1, uniform>, feature = #ida.feature<identity>} : ({{.*}}) -> (tensor<?x?x4x16xf16>, tensor<?x4x1x16x16xf32>)
  %y0, %s1 = ida.attention %q, %k, %v, %dt, %g1, %a1, %b init(%s0) {feature = #ida.feature<identity>, basis = #ida.basis<1, uniform>} : (tensor<?x?x4x16xf16>, tensor<?x?x4x16xf16>, tensor<?x?x4x16xf16>, tensor<?x?x4xf16>, tensor<?x?x4x1xf16>, tensor<4x1xf16>, tensor<4xf16>, tensor<?x4x1x16x16xf32>) -> (tensor<?x?x4x16xf16>, tensor<?x4x1x16x16xf32>)
  // prf with F' = 64, relu, taylor2 with final states only.
  // CHECK: ida.attention {{.*}} weights(%{{.*}}) {basis = #ida.basis<8, softmax>, chunk = 32 : i64, feature = #ida.feature<prf, 64>} : ({{.*}}) -> tensor<?x?x4x16xf16>
  %y1 = ida.attention %q, %k, %v, %dt, %g8, %a8, %b weights(%wp) {feature = #ida.feature<prf, 64>, basis = #ida.basis<8, softmax>, chunk = 32} : (tensor<?x?x4x16xf16>, tensor<?x?x4x16xf16>, tensor<?x?x4x16xf16>, tensor<?x?x4xf16>, tensor<?x?x4x8xf16>, tensor<4x8xf32>, tensor<4xf16>, tensor<4x64x16xf16>) -> tensor<?x?x4x16xf16>
  // CHECK: ida.attention {{.*}} {basis = #ida.basis<8, uniform>, feature = #ida.feature<taylor2>} : ({{.*}}) -> (tensor<?x?x4x16xf16>, tensor<?x4x8x273x16xf32>)
  %y2, %s2 = ida.attention %q, %k, %v, %dt, %g8, %a8, %b {feature = #ida.feature<taylor2>, basis = #ida.basis<8, uniform>} : (tensor<?x?x4x16xf16>, tensor<?x?x4x16xf16>, tensor<?x?x4x16xf16>, tensor<?x?x4xf16>, tensor<?x?x4x8xf16>, tensor<4x8xf32>, tensor<4xf16>) -> (tensor<?x?x4x16xf16>, tensor<?x4x8x273x16xf32>)
  return
}

//===----------------------------------------------------------------------===//
// ida.softmax_attention
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @softmax_attention
func.func @softmax_attention(%q: tensor<?x?x8x64xf16>, %v: tensor<?x?x8x32xf16>, %qs: tensor<2x128x8x64xf32>, %vs: tensor<2x128x8x64xf32>, %qb: tensor<1x?x8x64xbf16>) {
  // CHECK: ida.softmax_attention %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x8x64xf16>, tensor<?x?x8x64xf16>, tensor<?x?x8x32xf16>) -> tensor<?x?x8x32xf16>
  %0 = ida.softmax_attention %q, %q, %v : (tensor<?x?x8x64xf16>, tensor<?x?x8x64xf16>, tensor<?x?x8x32xf16>) -> tensor<?x?x8x32xf16>
  // CHECK: ida.softmax_attention %{{.*}}, %{{.*}}, %{{.*}} {window = 256 : i64} : (tensor<2x128x8x64xf32>, tensor<2x128x8x64xf32>, tensor<2x128x8x64xf32>) -> tensor<2x128x8x64xf32>
  %1 = ida.softmax_attention %qs, %qs, %vs {window = 256} : (tensor<2x128x8x64xf32>, tensor<2x128x8x64xf32>, tensor<2x128x8x64xf32>) -> tensor<2x128x8x64xf32>
  // CHECK: ida.softmax_attention {{.*}} : (tensor<1x?x8x64xbf16>, tensor<1x?x8x64xbf16>, tensor<1x?x8x64xbf16>) -> tensor<1x?x8x64xbf16>
  %2 = ida.softmax_attention %qb, %qb, %qb {window = 0} : (tensor<1x?x8x64xbf16>, tensor<1x?x8x64xbf16>, tensor<1x?x8x64xbf16>) -> tensor<1x?x8x64xbf16>
  return
}

//===----------------------------------------------------------------------===//
// ida.decode_step
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @decode_step
func.func @decode_step(%q: tensor<?x4x16xf32>, %v: tensor<?x4x32xf32>, %dt: tensor<?x4xf32>, %g: tensor<?x4x8xf32>, %a: tensor<4x8xf32>, %b: tensor<4xf32>, %s: tensor<?x4x8x16x32xf32>, %z: tensor<?x4x8x16xf32>) {
  // CHECK: ida.decode_step %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} state(%{{.*}}) {basis = #ida.basis<8, softmax>, feature = #ida.feature<elu1>} : ({{.*}}) -> (tensor<?x4x32xf32>, tensor<?x4x8x16x32xf32>)
  %y, %s1 = ida.decode_step %q, %q, %v, %dt, %g, %a, %b state(%s) {feature = #ida.feature<elu1>, basis = #ida.basis<8, softmax>} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>, tensor<?x4x32xf32>, tensor<?x4xf32>, tensor<?x4x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<?x4x8x16x32xf32>) -> (tensor<?x4x32xf32>, tensor<?x4x8x16x32xf32>)
  // CHECK: ida.decode_step {{.*}} state(%{{.*}}, %{{.*}}) {basis = #ida.basis<8, sigmoid>, feature = #ida.feature<relu>, normalize = true} : ({{.*}}) -> (tensor<?x4x32xf32>, tensor<?x4x8x16x32xf32>, tensor<?x4x8x16xf32>)
  %y2, %s2, %z2 = ida.decode_step %q, %q, %v, %dt, %g, %a, %b state(%s, %z) {feature = #ida.feature<relu>, basis = #ida.basis<8, sigmoid>, normalize = true} : (tensor<?x4x16xf32>, tensor<?x4x16xf32>, tensor<?x4x32xf32>, tensor<?x4xf32>, tensor<?x4x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<?x4x8x16x32xf32>, tensor<?x4x8x16xf32>) -> (tensor<?x4x32xf32>, tensor<?x4x8x16x32xf32>, tensor<?x4x8x16xf32>)
  return
}

// CHECK-LABEL: func.func @decode_step_weights
func.func @decode_step_weights(%q: tensor<1x4x16xbf16>, %v: tensor<1x4x16xbf16>, %dt: tensor<1x4xbf16>, %g: tensor<1x4x2xbf16>, %a: tensor<4x2xf32>, %b: tensor<4xf32>, %w: tensor<4x8x16xbf16>, %s: tensor<1x4x2x16x16xf32>) {
  // CHECK: ida.decode_step {{.*}} weights(%{{.*}}) state(%{{.*}}) {basis = #ida.basis<2, uniform>, feature = #ida.feature<hedgehog, 8>} : ({{.*}}) -> (tensor<1x4x16xbf16>, tensor<1x4x2x16x16xf32>)
  %y, %s1 = ida.decode_step %q, %q, %v, %dt, %g, %a, %b weights(%w) state(%s) {feature = #ida.feature<hedgehog, 8>, basis = #ida.basis<2, uniform>} : (tensor<1x4x16xbf16>, tensor<1x4x16xbf16>, tensor<1x4x16xbf16>, tensor<1x4xbf16>, tensor<1x4x2xbf16>, tensor<4x2xf32>, tensor<4xf32>, tensor<4x8x16xbf16>, tensor<1x4x2x16x16xf32>) -> (tensor<1x4x16xbf16>, tensor<1x4x2x16x16xf32>)
  return
}

// RUN: ida-opt %s --ida-decompose | FileCheck %s
// RUN: ida-opt %s --ida-decompose | ida-opt | FileCheck %s

// The composite becomes feature maps on q and k (sharing W), discretize,
// basis_weights and a scan with the same options; uses of y and S_T follow.
// CHECK-LABEL: func.func @prf_with_state
// CHECK-SAME: (%[[Q:[^:]*]]: {{[^,]*}}, %[[K:[^:]*]]: {{[^,]*}}, %[[V:[^:]*]]: {{[^,]*}}, %[[DT:[^:]*]]: {{[^,]*}}, %[[G:[^:]*]]: {{[^,]*}}, %[[A:[^:]*]]: {{[^,]*}}, %[[DB:[^:]*]]: {{[^,]*}}, %[[W:[^:]*]]: {{[^,]*}}, %[[S0:[^:]*]]: {{[^)]*}})
// CHECK-NOT: ida.attention
// CHECK: %[[PQ:.*]] = ida.feature_map %[[Q]] weights(%[[W]]) {feature = #ida.feature<prf, 32>} : (tensor<?x?x4x16xf32>, tensor<4x32x16xf32>) -> tensor<?x?x4x32xf32>
// CHECK: %[[PK:.*]] = ida.feature_map %[[K]] weights(%[[W]]) {feature = #ida.feature<prf, 32>}
// CHECK: %[[LA:.*]], %[[BE:.*]] = ida.discretize %[[DT]], %[[A]], %[[DB]] : (tensor<?x?x4xf32>, tensor<4x2xf32>, tensor<4xf32>) -> (tensor<?x?x4x2xf32>, tensor<?x?x4xf32>)
// CHECK: %[[GA:.*]] = ida.basis_weights %[[G]] {kind = #ida.weights<sigmoid>} : (tensor<?x?x4x2xf32>) -> tensor<?x?x4x2xf32>
// CHECK: %[[Y:.*]], %[[ST:.*]] = ida.scan %[[PQ]], %[[PK]], %[[V]], %[[LA]], %[[BE]], %[[GA]] init(%[[S0]]) {chunk = 32 : i64}
// CHECK: return %[[Y]], %[[ST]]
func.func @prf_with_state(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x8xf32>,
    %dt: tensor<?x?x4xf32>, %g: tensor<?x?x4x2xf32>, %a: tensor<4x2xf32>, %db: tensor<4xf32>,
    %w: tensor<4x32x16xf32>, %s0: tensor<?x4x2x32x8xf32>) -> (tensor<?x?x4x8xf32>, tensor<?x4x2x32x8xf32>) {
  %y, %s = ida.attention %q, %k, %v, %dt, %g, %a, %db weights(%w) init(%s0)
      {feature = #ida.feature<prf, 32>, basis = #ida.basis<2, sigmoid>, chunk = 32}
      : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>,
         tensor<?x?x4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4x32x16xf32>, tensor<?x4x2x32x8xf32>)
      -> (tensor<?x?x4x8xf32>, tensor<?x4x2x32x8xf32>)
  return %y, %s : tensor<?x?x4x8xf32>, tensor<?x4x2x32x8xf32>
}

// normalize and the normalizer states carry over; bf16 activations keep
// their type in the features, decays and weights are f32; taylor2 sets F.
// CHECK-LABEL: func.func @normalized_taylor
// CHECK: ida.feature_map %{{.*}} {feature = #ida.feature<taylor2>} : (tensor<2x8x1x2xbf16>) -> tensor<2x8x1x7xbf16>
// CHECK: ida.basis_weights %{{.*}} {kind = #ida.weights<uniform>} : (tensor<2x8x1x1xbf16>) -> tensor<2x8x1x1xf32>
// CHECK: ida.scan {{.*}} init_norm(%{{.*}}) {normalize = true} : ({{.*}}) -> (tensor<2x8x1x4xbf16>, tensor<2x1x1x7x4xf32>, tensor<2x1x1x7xf32>)
func.func @normalized_taylor(%q: tensor<2x8x1x2xbf16>, %v: tensor<2x8x1x4xbf16>, %dt: tensor<2x8x1xbf16>,
    %g: tensor<2x8x1x1xbf16>, %a: tensor<1x1xf32>, %db: tensor<1xf32>, %z0: tensor<2x1x1x7xf32>)
    -> (tensor<2x8x1x4xbf16>, tensor<2x1x1x7x4xf32>, tensor<2x1x1x7xf32>) {
  %y, %s, %z = ida.attention %q, %q, %v, %dt, %g, %a, %db init_norm(%z0)
      {feature = #ida.feature<taylor2>, basis = #ida.basis<1, uniform>, normalize = true}
      : (tensor<2x8x1x2xbf16>, tensor<2x8x1x2xbf16>, tensor<2x8x1x4xbf16>, tensor<2x8x1xbf16>,
         tensor<2x8x1x1xbf16>, tensor<1x1xf32>, tensor<1xf32>, tensor<2x1x1x7xf32>)
      -> (tensor<2x8x1x4xbf16>, tensor<2x1x1x7x4xf32>, tensor<2x1x1x7xf32>)
  return %y, %s, %z : tensor<2x8x1x4xbf16>, tensor<2x1x1x7x4xf32>, tensor<2x1x1x7xf32>
}

// Primitives are left alone.
// CHECK-LABEL: func.func @already_primitive
// CHECK-NEXT: ida.feature_map
// CHECK-NEXT: return
func.func @already_primitive(%x: tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32> {
  %0 = ida.feature_map %x {feature = #ida.feature<relu>} : (tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  return %0 : tensor<?x?x4x16xf32>
}

// RUN: ida-opt %s --canonicalize --split-input-file | FileCheck %s

// An identity feature map is its input.
// CHECK-LABEL: func.func @identity_feature_map
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x4x16xf32>)
// CHECK-NOT: ida.feature_map
// CHECK: return %[[X]]
func.func @identity_feature_map(%x: tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32> {
  %0 = ida.feature_map %x {feature = #ida.feature<identity>} : (tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  return %0 : tensor<?x?x4x16xf32>
}

// -----

// A result type that refines the input type keeps the op (folding would
// change the type), and other kinds never fold.
// CHECK-LABEL: func.func @no_fold_feature_map
// CHECK: ida.feature_map %{{.*}} {feature = #ida.feature<identity>} : (tensor<?x?x4x16xf32>) -> tensor<2x?x4x16xf32>
// CHECK: ida.feature_map %{{.*}} {feature = #ida.feature<elu1>}
func.func @no_fold_feature_map(%x: tensor<?x?x4x16xf32>) -> (tensor<2x?x4x16xf32>, tensor<?x?x4x16xf32>) {
  %0 = ida.feature_map %x {feature = #ida.feature<identity>} : (tensor<?x?x4x16xf32>) -> tensor<2x?x4x16xf32>
  %1 = ida.feature_map %x {feature = #ida.feature<elu1>} : (tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  return %0, %1 : tensor<2x?x4x16xf32>, tensor<?x?x4x16xf32>
}

// -----

// Uniform basis weights with a static shape are the constant 1/N.
// CHECK-LABEL: func.func @uniform_basis_weights
// CHECK: %[[C:.*]] = arith.constant dense<1.250000e-01> : tensor<2x16x4x8xf32>
// CHECK-NOT: ida.basis_weights
// CHECK: return %[[C]]
func.func @uniform_basis_weights(%g: tensor<2x16x4x8xbf16>) -> tensor<2x16x4x8xf32> {
  %0 = ida.basis_weights %g {kind = #ida.weights<uniform>} : (tensor<2x16x4x8xbf16>) -> tensor<2x16x4x8xf32>
  return %0 : tensor<2x16x4x8xf32>
}

// -----

// Dynamic shapes and the softmax/sigmoid kinds are kept.
// CHECK-LABEL: func.func @no_fold_basis_weights
// CHECK: ida.basis_weights %{{.*}} {kind = #ida.weights<uniform>} : (tensor<?x16x4x8xf32>)
// CHECK: ida.basis_weights %{{.*}} {kind = #ida.weights<softmax>} : (tensor<2x16x4x8xf32>)
func.func @no_fold_basis_weights(%g: tensor<?x16x4x8xf32>, %h: tensor<2x16x4x8xf32>) -> (tensor<?x16x4x8xf32>, tensor<2x16x4x8xf32>) {
  %0 = ida.basis_weights %g {kind = #ida.weights<uniform>} : (tensor<?x16x4x8xf32>) -> tensor<?x16x4x8xf32>
  %1 = ida.basis_weights %h {kind = #ida.weights<softmax>} : (tensor<2x16x4x8xf32>) -> tensor<2x16x4x8xf32>
  return %0, %1 : tensor<?x16x4x8xf32>, tensor<2x16x4x8xf32>
}

// -----

// Unused final states are not computed.
// CHECK-LABEL: func.func @scan_drop_unused_state
// CHECK: %[[Y:.*]] = ida.scan {{.*}} init(%{{.*}}) {chunk = 16 : i64} : ({{.*}}) -> tensor<?x?x4x16xf32>
// CHECK: return %[[Y]]
func.func @scan_drop_unused_state(%q: tensor<?x?x4x16xf32>, %la: tensor<?x?x4x8xf32>, %be: tensor<?x?x4xf32>, %s0: tensor<?x4x8x16x16xf32>) -> tensor<?x?x4x16xf32> {
  %y, %s = ida.scan %q, %q, %q, %la, %be, %la init(%s0) {chunk = 16} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>, tensor<?x4x8x16x16xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x4x8x16x16xf32>)
  return %y : tensor<?x?x4x16xf32>
}

// -----

// An unused Z_T is dropped while a used S_T is kept.
// CHECK-LABEL: func.func @scan_drop_unused_normalizer
// CHECK: %[[Y:.*]], %[[S:.*]] = ida.scan {{.*}} {normalize = true} : ({{.*}}) -> (tensor<?x?x4x16xf32>, tensor<?x4x8x16x16xf32>)
// CHECK: return %[[Y]], %[[S]]
func.func @scan_drop_unused_normalizer(%q: tensor<?x?x4x16xf32>, %la: tensor<?x?x4x8xf32>, %be: tensor<?x?x4xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x4x8x16x16xf32>) {
  %y, %s, %z = ida.scan %q, %q, %q, %la, %be, %la {normalize = true} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x4x8x16x16xf32>, tensor<?x4x8x16xf32>)
  return %y, %s : tensor<?x?x4x16xf32>, tensor<?x4x8x16x16xf32>
}

// -----

// A used Z_T keeps S_T (results are positional).
// CHECK-LABEL: func.func @scan_keep_used_normalizer
// CHECK: ida.scan {{.*}} -> (tensor<?x?x4x16xf32>, tensor<?x4x8x16x16xf32>, tensor<?x4x8x16xf32>)
func.func @scan_keep_used_normalizer(%q: tensor<?x?x4x16xf32>, %la: tensor<?x?x4x8xf32>, %be: tensor<?x?x4xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x4x8x16xf32>) {
  %y, %s, %z = ida.scan %q, %q, %q, %la, %be, %la {normalize = true} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x4x8x16x16xf32>, tensor<?x4x8x16xf32>)
  return %y, %z : tensor<?x?x4x16xf32>, tensor<?x4x8x16xf32>
}

// -----

// Same for the composite; attributes and operands are preserved.
// CHECK-LABEL: func.func @attention_drop_unused_state
// CHECK: %[[Y:.*]] = ida.attention {{.*}} weights(%{{.*}}) {basis = #ida.basis<8, softmax>, chunk = 32 : i64, feature = #ida.feature<prf, 32>} : ({{.*}}) -> tensor<?x?x4x16xf32>
// CHECK: return %[[Y]]
func.func @attention_drop_unused_state(%q: tensor<?x?x4x16xf32>, %dt: tensor<?x?x4xf32>, %g: tensor<?x?x4x8xf32>, %a: tensor<4x8xf32>, %b: tensor<4xf32>, %w: tensor<4x32x16xf32>) -> tensor<?x?x4x16xf32> {
  %y, %s = ida.attention %q, %q, %q, %dt, %g, %a, %b weights(%w) {feature = #ida.feature<prf, 32>, basis = #ida.basis<8, softmax>, chunk = 32} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4x32x16xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x4x8x32x16xf32>)
  return %y : tensor<?x?x4x16xf32>
}

// -----

// The ops are pure: unused ones are erased.
// CHECK-LABEL: func.func @dead_ops
// CHECK-NOT: ida.
// CHECK: return
func.func @dead_ops(%q: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>) {
  %0 = ida.softmax_attention %q, %q, %v : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  %1 = ida.feature_map %q {feature = #ida.feature<elu1>} : (tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  return
}

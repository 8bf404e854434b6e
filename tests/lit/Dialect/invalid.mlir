// RUN: ida-opt %s --split-input-file --verify-diagnostics

// Every verifier rule of the ida dialect. Shapes: H = 2, D = 4, P = 4, N = 3,
// F = D = 4 unless stated.

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

func.func @feature_prf_needs_size(%x: tensor<?x?x2x4xf32>, %w: tensor<2x8x4xf32>) {
  // expected-error @+1 {{expected feature kind 'prf' to have a size F' >= 1}}
  %0 = ida.feature_map %x weights(%w) {feature = #ida.feature<prf>} : (tensor<?x?x2x4xf32>, tensor<2x8x4xf32>) -> tensor<?x?x2x8xf32>
  return
}

// -----

func.func @feature_elu1_takes_no_size(%x: tensor<?x?x2x4xf32>) {
  // expected-error @+1 {{expected feature kind 'elu1' to take no size}}
  %0 = ida.feature_map %x {feature = #ida.feature<elu1, 4>} : (tensor<?x?x2x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @feature_unknown_kind(%x: tensor<?x?x2x4xf32>) {
  // expected-error @+2 {{invalid feature kind specification: gelu}}
  // expected-error @+1 {{failed to parse IDA_FeatureAttr parameter 'kind'}}
  %0 = ida.feature_map %x {feature = #ida.feature<gelu>} : (tensor<?x?x2x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @basis_size_positive(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected basis size N >= 1, got 0}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<0, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?x2x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// ida.feature_map
//===----------------------------------------------------------------------===//

// -----

func.func @feature_map_prf_needs_weights(%x: tensor<?x?x2x4xf32>) {
  // expected-error @+1 {{expected weights 'W' [H, F', D] for feature kind 'prf'}}
  %0 = ida.feature_map %x {feature = #ida.feature<prf, 8>} : (tensor<?x?x2x4xf32>) -> tensor<?x?x2x8xf32>
  return
}

// -----

func.func @feature_map_elu1_no_weights(%x: tensor<?x?x2x4xf32>, %w: tensor<2x4x4xf32>) {
  // expected-error @+1 {{expected no weights 'W' for feature kind 'elu1'}}
  %0 = ida.feature_map %x weights(%w) {feature = #ida.feature<elu1>} : (tensor<?x?x2x4xf32>, tensor<2x4x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @feature_map_rank(%x: tensor<?x2x4xf32>) {
  // expected-error @+1 {{expected 'x' to have rank 4 (shape [B, T, H, D]), got 'tensor<?x2x4xf32>'}}
  %0 = ida.feature_map %x {feature = #ida.feature<elu1>} : (tensor<?x2x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @feature_map_static_head(%x: tensor<?x?x?x4xf32>) {
  // expected-error @+1 {{expected dimension H of 'x' to be static, got 'tensor<?x?x?x4xf32>'}}
  %0 = ida.feature_map %x {feature = #ida.feature<elu1>} : (tensor<?x?x?x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @feature_map_elu1_f_is_d(%x: tensor<?x?x2x4xf32>) {
  // expected-error @+1 {{expected 'phi' to have shape [B, T, H, F] = [?, ?, 2, 4], got 'tensor<?x?x2x8xf32>'}}
  %0 = ida.feature_map %x {feature = #ida.feature<elu1>} : (tensor<?x?x2x4xf32>) -> tensor<?x?x2x8xf32>
  return
}

// -----

func.func @feature_map_taylor2_f(%x: tensor<?x?x2x4xf32>) {
  // expected-error @+1 {{expected 'phi' to have shape [B, T, H, F] = [?, ?, 2, 21], got 'tensor<?x?x2x20xf32>'}}
  %0 = ida.feature_map %x {feature = #ida.feature<taylor2>} : (tensor<?x?x2x4xf32>) -> tensor<?x?x2x20xf32>
  return
}

// -----

func.func @feature_map_hedgehog_f(%x: tensor<?x?x2x4xf32>, %w: tensor<2x8x4xf32>) {
  // expected-error @+1 {{expected 'phi' to have shape [B, T, H, F] = [?, ?, 2, 16], got 'tensor<?x?x2x8xf32>'}}
  %0 = ida.feature_map %x weights(%w) {feature = #ida.feature<hedgehog, 8>} : (tensor<?x?x2x4xf32>, tensor<2x8x4xf32>) -> tensor<?x?x2x8xf32>
  return
}

// -----

func.func @feature_map_weights_rows(%x: tensor<?x?x2x4xf32>, %w: tensor<2x6x4xf32>) {
  // expected-error @+1 {{expected 'W' to have shape [H, F', D] = [2, 8, 4], got 'tensor<2x6x4xf32>'}}
  %0 = ida.feature_map %x weights(%w) {feature = #ida.feature<prf, 8>} : (tensor<?x?x2x4xf32>, tensor<2x6x4xf32>) -> tensor<?x?x2x8xf32>
  return
}

// -----

func.func @feature_map_weights_head_dim(%x: tensor<?x?x2x4xf32>, %w: tensor<2x8x5xf32>) {
  // expected-error @+1 {{expected 'W' to have shape [H, F', D] = [2, 8, 4], got 'tensor<2x8x5xf32>'}}
  %0 = ida.feature_map %x weights(%w) {feature = #ida.feature<prf, 8>} : (tensor<?x?x2x4xf32>, tensor<2x8x5xf32>) -> tensor<?x?x2x8xf32>
  return
}

// -----

func.func @feature_map_batch(%x: tensor<2x?x2x4xf32>) {
  // expected-error @+1 {{expected 'phi' to have shape [B, T, H, F] = [2, ?, 2, 4], got 'tensor<3x?x2x4xf32>'}}
  %0 = ida.feature_map %x {feature = #ida.feature<relu>} : (tensor<2x?x2x4xf32>) -> tensor<3x?x2x4xf32>
  return
}

// -----

func.func @feature_map_result_type(%x: tensor<?x?x2x4xbf16>) {
  // expected-error @+1 {{expected 'phi' to have element type 'bf16' (the element type of 'x'), got 'tensor<?x?x2x4xf32>'}}
  %0 = ida.feature_map %x {feature = #ida.feature<relu>} : (tensor<?x?x2x4xbf16>) -> tensor<?x?x2x4xf32>
  return
}

// -----

// W may be f32 or the activations' element type, nothing else.
func.func @feature_map_weights_type(%x: tensor<?x?x2x4xbf16>, %w: tensor<2x8x4xf16>) {
  // expected-error @+1 {{expected 'W' to have element type 'bf16' (the element type of 'x') or f32}}
  %0 = ida.feature_map %x weights(%w) {feature = #ida.feature<prf, 8>} : (tensor<?x?x2x4xbf16>, tensor<2x8x4xf16>) -> tensor<?x?x2x8xbf16>
  return
}

// -----

func.func @feature_map_element_type(%x: tensor<?x?x2x4xf64>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float values}}
  %0 = ida.feature_map %x {feature = #ida.feature<relu>} : (tensor<?x?x2x4xf64>) -> tensor<?x?x2x4xf64>
  return
}

//===----------------------------------------------------------------------===//
// ida.discretize
//===----------------------------------------------------------------------===//

// -----

func.func @discretize_heads(%dt: tensor<?x?x2xf32>, %a: tensor<3x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'A_log' to have shape [H, N] = [2, 3], got 'tensor<3x3xf32>'}}
  %la, %be = ida.discretize %dt, %a, %b : (tensor<?x?x2xf32>, tensor<3x3xf32>, tensor<2xf32>) -> (tensor<?x?x2x3xf32>, tensor<?x?x2xf32>)
  return
}

// -----

func.func @discretize_basis(%dt: tensor<?x?x2xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'loga' to have shape [B, T, H, N] = [?, ?, 2, 3], got 'tensor<?x?x2x4xf32>'}}
  %la, %be = ida.discretize %dt, %a, %b : (tensor<?x?x2xf32>, tensor<2x3xf32>, tensor<2xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2xf32>)
  return
}

// -----

func.func @discretize_bias_rank(%dt: tensor<?x?x2xf32>, %a: tensor<2x3xf32>, %b: tensor<1x2xf32>) {
  // expected-error @+1 {{expected 'dt_bias' to have rank 1 (shape [H])}}
  %la, %be = ida.discretize %dt, %a, %b : (tensor<?x?x2xf32>, tensor<2x3xf32>, tensor<1x2xf32>) -> (tensor<?x?x2x3xf32>, tensor<?x?x2xf32>)
  return
}

// -----

func.func @discretize_beta_time(%dt: tensor<2x16x2xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'beta' to have shape [B, T, H] = [2, 16, 2], got 'tensor<2x8x2xf32>'}}
  %la, %be = ida.discretize %dt, %a, %b : (tensor<2x16x2xf32>, tensor<2x3xf32>, tensor<2xf32>) -> (tensor<2x16x2x3xf32>, tensor<2x8x2xf32>)
  return
}

// -----

func.func @discretize_f32_results(%dt: tensor<?x?x2xbf16>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 32-bit float values}}
  %la, %be = ida.discretize %dt, %a, %b : (tensor<?x?x2xbf16>, tensor<2x3xf32>, tensor<2xf32>) -> (tensor<?x?x2x3xbf16>, tensor<?x?x2xf32>)
  return
}

//===----------------------------------------------------------------------===//
// ida.basis_weights
//===----------------------------------------------------------------------===//

// -----

func.func @basis_weights_shape(%g: tensor<2x16x2x3xf32>) {
  // expected-error @+1 {{expected 'gamma' to have shape [B, T, H, N] = [2, 16, 2, 3], got 'tensor<2x16x2x7xf32>'}}
  %0 = ida.basis_weights %g {kind = #ida.weights<softmax>} : (tensor<2x16x2x3xf32>) -> tensor<2x16x2x7xf32>
  return
}

// -----

func.func @basis_weights_rank(%g: tensor<16x2x3xf32>) {
  // expected-error @+1 {{expected 'g' to have rank 4 (shape [B, T, H, N])}}
  %0 = ida.basis_weights %g {kind = #ida.weights<sigmoid>} : (tensor<16x2x3xf32>) -> tensor<?x16x2x3xf32>
  return
}

// -----

func.func @basis_weights_kind(%g: tensor<?x?x2x3xf32>) {
  // expected-error @+2 {{expected ::mlir::ida::BasisWeights to be one of: softmax, sigmoid, uniform}}
  // expected-error @+1 {{failed to parse IDA_BasisWeightsAttr parameter 'value'}}
  %0 = ida.basis_weights %g {kind = #ida.weights<tanh>} : (tensor<?x?x2x3xf32>) -> tensor<?x?x2x3xf32>
  return
}

//===----------------------------------------------------------------------===//
// ida.scan
//===----------------------------------------------------------------------===//

// -----

func.func @scan_chunk_zero(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'chunk' >= 1, got 0}}
  %y = ida.scan %q, %q, %q, %la, %be, %la {chunk = 0} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @scan_chunk_negative(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'chunk' >= 1, got -16}}
  %y = ida.scan %q, %q, %q, %la, %be, %la {chunk = -16} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @scan_z0_needs_normalize(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>, %z0: tensor<?x2x3x4xf32>) {
  // expected-error @+1 {{expected no 'Z0' operand without 'normalize'}}
  %y = ida.scan %q, %q, %q, %la, %be, %la init_norm(%z0) : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x2x3x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @scan_zt_needs_normalize(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected no final normalizer 'Z_T' result without 'normalize'}}
  %y, %s, %z = ida.scan %q, %q, %q, %la, %be, %la : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x2x3x4x4xf32>, tensor<?x2x3x4xf32>)
  return
}

// -----

func.func @scan_too_many_results(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected at most 2 final-state results (S_T, Z_T), got 3}}
  %y:4 = ida.scan %q, %q, %q, %la, %be, %la {normalize = true} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x2x3x4x4xf32>, tensor<?x2x3x4xf32>, tensor<?x2x3x4xf32>)
  return
}

// -----

func.func @scan_key_type(%q: tensor<?x?x2x4xf32>, %k: tensor<?x?x2x4xf16>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'phi(k)' to have element type 'f32' (the element type of 'phi(q)'), got 'tensor<?x?x2x4xf16>'}}
  %y = ida.scan %q, %k, %q, %la, %be, %la : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf16>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @scan_feature_dim(%q: tensor<?x?x2x4xf32>, %k: tensor<?x?x2x5xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'phi(k)' to have shape [B, T, H, F] = [?, ?, 2, 4], got 'tensor<?x?x2x5xf32>'}}
  %y = ida.scan %q, %k, %q, %la, %be, %la : (tensor<?x?x2x4xf32>, tensor<?x?x2x5xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @scan_time(%q: tensor<2x16x2x4xf32>, %v: tensor<2x8x2x4xf32>, %la: tensor<2x16x2x3xf32>, %be: tensor<2x16x2xf32>) {
  // expected-error @+1 {{expected 'v' to have shape [B, T, H, P] = [2, 16, 2, 4], got 'tensor<2x8x2x4xf32>'}}
  %y = ida.scan %q, %q, %v, %la, %be, %la : (tensor<2x16x2x4xf32>, tensor<2x16x2x4xf32>, tensor<2x8x2x4xf32>, tensor<2x16x2x3xf32>, tensor<2x16x2xf32>, tensor<2x16x2x3xf32>) -> tensor<2x16x2x4xf32>
  return
}

// -----

func.func @scan_gamma_basis(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>, %ga: tensor<?x?x2x2xf32>) {
  // expected-error @+1 {{expected 'gamma' to have shape [B, T, H, N] = [?, ?, 2, 3], got 'tensor<?x?x2x2xf32>'}}
  %y = ida.scan %q, %q, %q, %la, %be, %ga : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x2xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @scan_beta_rank(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>) {
  // expected-error @+1 {{expected 'beta' to have rank 3 (shape [B, T, H]), got 'tensor<?x?x2x3xf32>'}}
  %y = ida.scan %q, %q, %q, %la, %la, %la : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x3xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @scan_state_shape(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>, %s0: tensor<?x2x3x8x4xf32>) {
  // expected-error @+1 {{expected 'S0' to have shape [B, H, N, F, P] = [?, 2, 3, 4, 4], got 'tensor<?x2x3x8x4xf32>'}}
  %y = ida.scan %q, %q, %q, %la, %be, %la init(%s0) : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x2x3x8x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @scan_state_f32(%q: tensor<?x?x2x4xbf16>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>, %s0: tensor<?x2x3x4x4xbf16>) {
  // expected-error @+1 {{operand #6 must be ranked tensor of 32-bit float values}}
  %y = ida.scan %q, %q, %q, %la, %be, %la init(%s0) : (tensor<?x?x2x4xbf16>, tensor<?x?x2x4xbf16>, tensor<?x?x2x4xbf16>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x2x3x4x4xbf16>) -> tensor<?x?x2x4xbf16>
  return
}

// -----

func.func @scan_output_width(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'y' to have shape [B, T, H, P] = [?, ?, 2, 4], got 'tensor<?x?x2x6xf32>'}}
  %y = ida.scan %q, %q, %q, %la, %be, %la : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>) -> tensor<?x?x2x6xf32>
  return
}

// -----

func.func @scan_output_type(%q: tensor<?x?x2x4xf16>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'y' to have element type 'f16' (the element type of 'v')}}
  %y = ida.scan %q, %q, %q, %la, %be, %la : (tensor<?x?x2x4xf16>, tensor<?x?x2x4xf16>, tensor<?x?x2x4xf16>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @scan_final_state_shape(%q: tensor<2x?x2x4xf32>, %la: tensor<2x?x2x3xf32>, %be: tensor<2x?x2xf32>) {
  // expected-error @+1 {{expected 'S_T' to have shape [B, H, N, F, P] = [2, 2, 3, 4, 4], got 'tensor<1x2x3x4x4xf32>'}}
  %y, %s = ida.scan %q, %q, %q, %la, %be, %la : (tensor<2x?x2x4xf32>, tensor<2x?x2x4xf32>, tensor<2x?x2x4xf32>, tensor<2x?x2x3xf32>, tensor<2x?x2xf32>, tensor<2x?x2x3xf32>) -> (tensor<2x?x2x4xf32>, tensor<1x2x3x4x4xf32>)
  return
}

// -----

func.func @scan_final_normalizer_shape(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'Z_T' to have shape [B, H, N, F] = [?, 2, 3, 4], got 'tensor<?x2x3x5xf32>'}}
  %y, %s, %z = ida.scan %q, %q, %q, %la, %be, %la {normalize = true} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x2x3x4x4xf32>, tensor<?x2x3x5xf32>)
  return
}

//===----------------------------------------------------------------------===//
// ida.scan_grad
//===----------------------------------------------------------------------===//

// -----

func.func @scan_grad_missing_ds0(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>, %s0: tensor<?x2x3x4x4xf32>) {
  // expected-error @+1 {{expected 1 initial-state cotangent result(s) (dS0 iff 'S0', dZ0 iff 'Z0'), got 0}}
  %r:6 = ida.scan_grad %q, %q, %q, %la, %be, %la, %q init(%s0) : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x4xf32>, tensor<?x2x3x4x4xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>)
  return
}

// -----

func.func @scan_grad_dzt_needs_normalize(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>, %dz: tensor<?x2x3x4xf32>) {
  // expected-error @+1 {{expected no 'dZ_T' operand without 'normalize'}}
  %r:6 = ida.scan_grad %q, %q, %q, %la, %be, %la, %q final_norm_grad(%dz) : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x4xf32>, tensor<?x2x3x4xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>)
  return
}

// -----

func.func @scan_grad_z0_needs_normalize(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>, %z0: tensor<?x2x3x4xf32>) {
  // expected-error @+1 {{expected no 'Z0' operand without 'normalize'}}
  %r:7 = ida.scan_grad %q, %q, %q, %la, %be, %la, %q init_norm(%z0) : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x4xf32>, tensor<?x2x3x4xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x2x3x4xf32>)
  return
}

// -----

func.func @scan_grad_dy_type(%q: tensor<?x?x2x4xf32>, %dy: tensor<?x?x2x4xbf16>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'dy' to have element type 'f32' (the element type of 'v')}}
  %r:6 = ida.scan_grad %q, %q, %q, %la, %be, %la, %dy : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x4xbf16>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>)
  return
}

// -----

func.func @scan_grad_dy_shape(%q: tensor<?x?x2x4xf32>, %dy: tensor<?x?x2x5xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'dy' to have shape [B, T, H, P] = [?, ?, 2, 4], got 'tensor<?x?x2x5xf32>'}}
  %r:6 = ida.scan_grad %q, %q, %q, %la, %be, %la, %dy : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x5xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>)
  return
}

// -----

func.func @scan_grad_dq_type(%q: tensor<?x?x2x4xf16>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'dq' to have element type 'f16' (the element type of 'phi(q)')}}
  %r:6 = ida.scan_grad %q, %q, %q, %la, %be, %la, %q : (tensor<?x?x2x4xf16>, tensor<?x?x2x4xf16>, tensor<?x?x2x4xf16>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x4xf16>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf16>, tensor<?x?x2x4xf16>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>)
  return
}

// -----

func.func @scan_grad_dloga_shape(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'dloga' to have shape [B, T, H, N] = [?, ?, 2, 3], got 'tensor<?x?x2x4xf32>'}}
  %r:6 = ida.scan_grad %q, %q, %q, %la, %be, %la, %q : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x4xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>)
  return
}

// -----

func.func @scan_grad_ds0_shape(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>, %s0: tensor<?x2x3x4x4xf32>) {
  // expected-error @+1 {{expected 'dS0' to have shape [B, H, N, F, P] = [?, 2, 3, 4, 4], got 'tensor<?x2x3x4x2xf32>'}}
  %r:7 = ida.scan_grad %q, %q, %q, %la, %be, %la, %q init(%s0) : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x4xf32>, tensor<?x2x3x4x4xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x2x3x4x2xf32>)
  return
}

// -----

func.func @scan_grad_dst_shape(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>, %ds: tensor<?x2x1x4x4xf32>) {
  // expected-error @+1 {{expected 'dS_T' to have shape [B, H, N, F, P] = [?, 2, 3, 4, 4], got 'tensor<?x2x1x4x4xf32>'}}
  %r:6 = ida.scan_grad %q, %q, %q, %la, %be, %la, %q final_grad(%ds) : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x4xf32>, tensor<?x2x1x4x4xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>)
  return
}

// -----

func.func @scan_grad_chunk(%q: tensor<?x?x2x4xf32>, %la: tensor<?x?x2x3xf32>, %be: tensor<?x?x2xf32>) {
  // expected-error @+1 {{expected 'chunk' >= 1, got 0}}
  %r:6 = ida.scan_grad %q, %q, %q, %la, %be, %la, %q {chunk = 0} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2x4xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x3xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>)
  return
}

//===----------------------------------------------------------------------===//
// ida.attention
//===----------------------------------------------------------------------===//

// -----

func.func @attention_g_basis_size(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<2x16x2x7xf32>, %a: tensor<2x8xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'g' to have shape [B, T, H, N] = [2, 16, 2, 8], got 'tensor<2x16x2x7xf32>'}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<8, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<2x16x2x7xf32>, tensor<2x8xf32>, tensor<2xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_alog_basis_size(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x4xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'A_log' to have shape [H, N] = [2, 3], got 'tensor<2x4xf32>'}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_hedgehog_needs_weights(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected weights 'W' [H, F', D] for feature kind 'hedgehog'}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b {feature = #ida.feature<hedgehog, 4>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_identity_no_weights(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %w: tensor<2x4x4xf32>) {
  // expected-error @+1 {{expected no weights 'W' for feature kind 'identity'}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b weights(%w) {feature = #ida.feature<identity>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2x4x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_weights_rows(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %w: tensor<2x4x4xf32>) {
  // expected-error @+1 {{expected 'W' to have shape [H, F', D] = [2, 16, 4], got 'tensor<2x4x4xf32>'}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b weights(%w) {feature = #ida.feature<prf, 16>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2x4x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_state_feature_dim(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %w: tensor<2x4x4xf32>, %s0: tensor<?x2x3x4x4xf32>) {
  // hedgehog with F' = 4 has F = 8.
  // expected-error @+1 {{expected 'S0' to have shape [B, H, N, F, P] = [?, 2, 3, 8, 4], got 'tensor<?x2x3x4x4xf32>'}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b weights(%w) init(%s0) {feature = #ida.feature<hedgehog, 4>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2x4x4xf32>, tensor<?x2x3x4x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_taylor2_state(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'S_T' to have shape [B, H, N, F, P] = [?, 2, 3, 21, 4], got 'tensor<?x2x3x4x4xf32>'}}
  %y, %s = ida.attention %q, %q, %q, %dt, %g, %a, %b {feature = #ida.feature<taylor2>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x2x3x4x4xf32>)
  return
}

// -----

func.func @attention_z0_needs_normalize(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %z0: tensor<?x2x3x4xf32>) {
  // expected-error @+1 {{expected no 'Z0' operand without 'normalize'}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b init_norm(%z0) {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<?x2x3x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_zt_needs_normalize(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected no final normalizer 'Z_T' result without 'normalize'}}
  %y, %s, %z = ida.attention %q, %q, %q, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> (tensor<?x?x2x4xf32>, tensor<?x2x3x4x4xf32>, tensor<?x2x3x4xf32>)
  return
}

// -----

func.func @attention_key_type(%q: tensor<?x?x2x4xbf16>, %k: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xbf16>, %g: tensor<?x?x2x3xbf16>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'k' to have element type 'bf16' (the element type of 'q'), got 'tensor<?x?x2x4xf32>'}}
  %y = ida.attention %q, %k, %q, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xbf16>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xbf16>, tensor<?x?x2xbf16>, tensor<?x?x2x3xbf16>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?x2x4xbf16>
  return
}

// -----

func.func @attention_dt_type(%q: tensor<?x?x2x4xbf16>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xbf16>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'dt' to have element type 'bf16' (the element type of 'q')}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xbf16>, tensor<?x?x2x4xbf16>, tensor<?x?x2x4xbf16>, tensor<?x?x2xf32>, tensor<?x?x2x3xbf16>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?x2x4xbf16>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x?x2x4xf32>, %k: tensor<3x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'k' to have shape [B, T, H, D] = [2, ?, 2, 4], got 'tensor<3x?x2x4xf32>'}}
  %y = ida.attention %q, %k, %q, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>} : (tensor<2x?x2x4xf32>, tensor<3x?x2x4xf32>, tensor<2x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_heads(%q: tensor<?x?x2x4xf32>, %v: tensor<?x?x3x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'v' to have shape [B, T, H, P] = [?, ?, 2, 4], got 'tensor<?x?x3x4xf32>'}}
  %y = ida.attention %q, %q, %v, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x3x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_dt_rank(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2x1xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'dt' to have rank 3 (shape [B, T, H]), got 'tensor<?x?x2x1xf32>'}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x1xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_output(%q: tensor<?x?x2x4xf32>, %v: tensor<?x?x2x8xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'y' to have shape [B, T, H, P] = [?, ?, 2, 8], got 'tensor<?x?x2x4xf32>'}}
  %y = ida.attention %q, %q, %v, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_chunk(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{expected 'chunk' >= 1, got 0}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>, chunk = 0} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @attention_missing_basis(%q: tensor<?x?x2x4xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{requires attribute 'basis'}}
  %y = ida.attention %q, %q, %q, %dt, %g, %a, %b {feature = #ida.feature<elu1>} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?x2x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// ida.softmax_attention
//===----------------------------------------------------------------------===//

// -----

func.func @softmax_window(%q: tensor<?x?x2x4xf32>) {
  // expected-error @+1 {{expected 'window' >= 0 (0 = full causal), got -1}}
  %y = ida.softmax_attention %q, %q, %q {window = -1} : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @softmax_key_dim(%q: tensor<?x?x2x4xf32>, %k: tensor<?x?x2x8xf32>) {
  // expected-error @+1 {{expected 'k' to have shape [B, T, H, D] = [?, ?, 2, 4], got 'tensor<?x?x2x8xf32>'}}
  %y = ida.softmax_attention %q, %k, %q : (tensor<?x?x2x4xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x4xf32>) -> tensor<?x?x2x4xf32>
  return
}

// -----

func.func @softmax_time(%q: tensor<1x16x2x4xf32>, %k: tensor<1x32x2x4xf32>) {
  // expected-error @+1 {{expected 'k' to have shape [B, T, H, D] = [1, 16, 2, 4], got 'tensor<1x32x2x4xf32>'}}
  %y = ida.softmax_attention %q, %k, %k : (tensor<1x16x2x4xf32>, tensor<1x32x2x4xf32>, tensor<1x32x2x4xf32>) -> tensor<1x16x2x4xf32>
  return
}

// -----

func.func @softmax_value_type(%q: tensor<?x?x2x4xf16>, %v: tensor<?x?x2x4xbf16>) {
  // expected-error @+1 {{expected 'v' to have element type 'f16' (the element type of 'q')}}
  %y = ida.softmax_attention %q, %q, %v : (tensor<?x?x2x4xf16>, tensor<?x?x2x4xf16>, tensor<?x?x2x4xbf16>) -> tensor<?x?x2x4xf16>
  return
}

// -----

func.func @softmax_output(%q: tensor<?x?x2x4xf32>, %v: tensor<?x?x2x6xf32>) {
  // expected-error @+1 {{expected 'y' to have shape [B, T, H, P] = [?, ?, 2, 6], got 'tensor<?x?x2x4xf32>'}}
  %y = ida.softmax_attention %q, %q, %v : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x6xf32>) -> tensor<?x?x2x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// ida.decode_step
//===----------------------------------------------------------------------===//

// -----

func.func @decode_normalize_needs_z(%q: tensor<?x2x4xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %s: tensor<?x2x3x4x4xf32>) {
  // expected-error @+1 {{expected a normalizer state 'Z' [B, H, N, F] with 'normalize'}}
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %b state(%s) {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>, normalize = true} : (tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2xf32>, tensor<?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<?x2x3x4x4xf32>) -> (tensor<?x2x4xf32>, tensor<?x2x3x4x4xf32>)
  return
}

// -----

func.func @decode_z_needs_normalize(%q: tensor<?x2x4xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %s: tensor<?x2x3x4x4xf32>, %z: tensor<?x2x3x4xf32>) {
  // expected-error @+1 {{expected no 'Z' operand without 'normalize'}}
  %y, %s1, %z1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %b state(%s, %z) {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>} : (tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2xf32>, tensor<?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<?x2x3x4x4xf32>, tensor<?x2x3x4xf32>) -> (tensor<?x2x4xf32>, tensor<?x2x3x4x4xf32>, tensor<?x2x3x4xf32>)
  return
}

// -----

func.func @decode_z_new(%q: tensor<?x2x4xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %s: tensor<?x2x3x4x4xf32>, %z: tensor<?x2x3x4xf32>) {
  // expected-error @+1 {{expected a 'Z_new' result exactly when 'Z' is given}}
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %b state(%s, %z) {feature = #ida.feature<elu1>, basis = #ida.basis<3, softmax>, normalize = true} : (tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2xf32>, tensor<?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<?x2x3x4x4xf32>, tensor<?x2x3x4xf32>) -> (tensor<?x2x4xf32>, tensor<?x2x3x4x4xf32>)
  return
}

// -----

func.func @decode_state_shape(%q: tensor<?x2x4xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %s: tensor<?x2x3x21x4xf32>) {
  // expected-error @+1 {{expected 'S' to have shape [B, H, N, F, P] = [?, 2, 3, 4, 4], got 'tensor<?x2x3x21x4xf32>'}}
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %b state(%s) {feature = #ida.feature<relu>, basis = #ida.basis<3, softmax>} : (tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2xf32>, tensor<?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<?x2x3x21x4xf32>) -> (tensor<?x2x4xf32>, tensor<?x2x3x21x4xf32>)
  return
}

// -----

func.func @decode_new_state_shape(%q: tensor<1x2x4xf32>, %dt: tensor<1x2xf32>, %g: tensor<1x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %s: tensor<1x2x3x4x4xf32>) {
  // expected-error @+1 {{expected 'S_new' to have shape [B, H, N, F, P] = [1, 2, 3, 4, 4], got 'tensor<2x2x3x4x4xf32>'}}
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %b state(%s) {feature = #ida.feature<relu>, basis = #ida.basis<3, softmax>} : (tensor<1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2xf32>, tensor<1x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<1x2x3x4x4xf32>) -> (tensor<1x2x4xf32>, tensor<2x2x3x4x4xf32>)
  return
}

// -----

func.func @decode_token_rank(%q: tensor<?x1x2x4xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %s: tensor<?x2x3x4x4xf32>) {
  // expected-error @+1 {{expected 'q' to have rank 3 (shape [B, H, D]), got 'tensor<?x1x2x4xf32>'}}
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %b state(%s) {feature = #ida.feature<relu>, basis = #ida.basis<3, softmax>} : (tensor<?x1x2x4xf32>, tensor<?x1x2x4xf32>, tensor<?x1x2x4xf32>, tensor<?x2xf32>, tensor<?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<?x2x3x4x4xf32>) -> (tensor<?x2x4xf32>, tensor<?x2x3x4x4xf32>)
  return
}

// -----

func.func @decode_g_basis(%q: tensor<?x2x4xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x5xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %s: tensor<?x2x3x4x4xf32>) {
  // expected-error @+1 {{expected 'g' to have shape [B, H, N] = [?, 2, 3], got 'tensor<?x2x5xf32>'}}
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %b state(%s) {feature = #ida.feature<relu>, basis = #ida.basis<3, softmax>} : (tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2xf32>, tensor<?x2x5xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<?x2x3x4x4xf32>) -> (tensor<?x2x4xf32>, tensor<?x2x3x4x4xf32>)
  return
}

// -----

func.func @decode_prf_needs_weights(%q: tensor<?x2x4xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %s: tensor<?x2x3x8x4xf32>) {
  // expected-error @+1 {{expected weights 'W' [H, F', D] for feature kind 'prf'}}
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %b state(%s) {feature = #ida.feature<prf, 8>, basis = #ida.basis<3, softmax>} : (tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?x2xf32>, tensor<?x2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<?x2x3x8x4xf32>) -> (tensor<?x2x4xf32>, tensor<?x2x3x8x4xf32>)
  return
}

// -----

func.func @decode_output_type(%q: tensor<?x2x4xf16>, %dt: tensor<?x2xf16>, %g: tensor<?x2x3xf16>, %a: tensor<2x3xf32>, %b: tensor<2xf32>, %s: tensor<?x2x3x4x4xf32>) {
  // expected-error @+1 {{expected 'y' to have element type 'f16' (the element type of 'q')}}
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %b state(%s) {feature = #ida.feature<relu>, basis = #ida.basis<3, softmax>} : (tensor<?x2x4xf16>, tensor<?x2x4xf16>, tensor<?x2x4xf16>, tensor<?x2xf16>, tensor<?x2x3xf16>, tensor<2x3xf32>, tensor<2xf32>, tensor<?x2x3x4x4xf32>) -> (tensor<?x2x4xf32>, tensor<?x2x3x4x4xf32>)
  return
}

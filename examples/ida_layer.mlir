// One Interdomain Attention mixer written with the primitive ida ops
// (docs/spec.md §3-§6): feature maps, discretization, basis weights and the
// scan, plus its backward through ida.scan_grad.
//
// Sizes: H = 8 heads, D = 64 (query/key head size), P = 64 (value head size),
// N = 4 basis functions, hedgehog feature map with F' = 32 (F = 64).
// B and T are dynamic; activations are bf16, states and decays f32.
//
// Check with: ida-opt examples/ida_layer.mlir

/// Forward: returns y [B, T, H, P] and the final state S_T [B, H, N, F, P]
/// (to continue the sequence with ida.decode_step or a later chunk).
func.func @ida_layer(
    %q: tensor<?x?x8x64xbf16>, %k: tensor<?x?x8x64xbf16>,
    %v: tensor<?x?x8x64xbf16>, %dt: tensor<?x?x8xbf16>,
    %g: tensor<?x?x8x4xbf16>,
    %A_log: tensor<8x4xf32>, %dt_bias: tensor<8xf32>,
    %W: tensor<8x32x64xbf16>, %S0: tensor<?x8x4x64x64xf32>)
    -> (tensor<?x?x8x64xbf16>, tensor<?x8x4x64x64xf32>) {
  // phi(q), phi(k): [B, T, H, F] with F = 2 F' = 64.
  %phi_q = ida.feature_map %q weights(%W) {feature = #ida.feature<hedgehog, 32>}
      : (tensor<?x?x8x64xbf16>, tensor<8x32x64xbf16>) -> tensor<?x?x8x64xbf16>
  %phi_k = ida.feature_map %k weights(%W) {feature = #ida.feature<hedgehog, 32>}
      : (tensor<?x?x8x64xbf16>, tensor<8x32x64xbf16>) -> tensor<?x?x8x64xbf16>
  // loga = -softplus(dt + dt_bias) * exp(A_log), beta = softplus(dt + dt_bias).
  %loga, %beta = ida.discretize %dt, %A_log, %dt_bias
      : (tensor<?x?x8xbf16>, tensor<8x4xf32>, tensor<8xf32>)
      -> (tensor<?x?x8x4xf32>, tensor<?x?x8xf32>)
  // gamma = softmax over the basis of the query logits.
  %gamma = ida.basis_weights %g {kind = #ida.weights<softmax>}
      : (tensor<?x?x8x4xbf16>) -> tensor<?x?x8x4xf32>
  // The recurrence, computed in chunks of 64 steps.
  %y, %S_T = ida.scan %phi_q, %phi_k, %v, %loga, %beta, %gamma init(%S0)
      {chunk = 64}
      : (tensor<?x?x8x64xbf16>, tensor<?x?x8x64xbf16>, tensor<?x?x8x64xbf16>,
         tensor<?x?x8x4xf32>, tensor<?x?x8xf32>, tensor<?x?x8x4xf32>,
         tensor<?x8x4x64x64xf32>)
      -> (tensor<?x?x8x64xbf16>, tensor<?x8x4x64x64xf32>)
  return %y, %S_T : tensor<?x?x8x64xbf16>, tensor<?x8x4x64x64xf32>
}

/// Backward of the scan alone: cotangents of phi(q), phi(k), v, loga, beta,
/// gamma and S0 from dy and dS_T (spec §6). The chain rule through the
/// feature maps, discretize and basis_weights is left to the autodiff pass.
func.func @ida_scan_backward(
    %phi_q: tensor<?x?x8x64xf32>, %phi_k: tensor<?x?x8x64xf32>,
    %v: tensor<?x?x8x64xf32>, %loga: tensor<?x?x8x4xf32>,
    %beta: tensor<?x?x8xf32>, %gamma: tensor<?x?x8x4xf32>,
    %S0: tensor<?x8x4x64x64xf32>, %dy: tensor<?x?x8x64xf32>,
    %dS_T: tensor<?x8x4x64x64xf32>)
    -> (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
        tensor<?x?x8x4xf32>, tensor<?x?x8xf32>, tensor<?x?x8x4xf32>,
        tensor<?x8x4x64x64xf32>) {
  %dq, %dk, %dv, %dloga, %dbeta, %dgamma, %dS0 = ida.scan_grad
      %phi_q, %phi_k, %v, %loga, %beta, %gamma, %dy init(%S0)
      final_grad(%dS_T) {chunk = 64}
      : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
         tensor<?x?x8x4xf32>, tensor<?x?x8xf32>, tensor<?x?x8x4xf32>,
         tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>,
         tensor<?x8x4x64x64xf32>)
      -> (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
          tensor<?x?x8x4xf32>, tensor<?x?x8xf32>, tensor<?x?x8x4xf32>,
          tensor<?x8x4x64x64xf32>)
  return %dq, %dk, %dv, %dloga, %dbeta, %dgamma, %dS0
      : tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
        tensor<?x?x8x4xf32>, tensor<?x?x8xf32>, tensor<?x?x8x4xf32>,
        tensor<?x8x4x64x64xf32>
}

// One Interdomain Attention mixer written with the primitive ida ops
// (docs/spec.md §3-§6): feature maps, discretization, basis weights and the
// scan. `ida-opt --ida-pipeline` compiles it, and its generated VJP
// (@ida_layer_vjp), to kernel-level IR.
//
// Sizes: H = 8 heads, D = 64 (query/key head size), P = 64 (value head size),
// N = 4 basis functions, hedgehog feature map with F' = 32 (F = 64).
// B and T are dynamic; activations are bf16; parameters (A_log, dt_bias,
// W), states and decays f32.
//
// Check with: ida-opt examples/ida_layer.mlir

/// Forward: returns y [B, T, H, P] and the final state S_T [B, H, N, F, P]
/// (to continue the sequence with ida.decode_step or a later chunk).
func.func @ida_layer(
    %q: tensor<?x?x8x64xbf16>, %k: tensor<?x?x8x64xbf16>,
    %v: tensor<?x?x8x64xbf16>, %dt: tensor<?x?x8xbf16>,
    %g: tensor<?x?x8x4xbf16>,
    %A_log: tensor<8x4xf32>, %dt_bias: tensor<8xf32>,
    %W: tensor<8x32x64xf32>, %S0: tensor<?x8x4x64x64xf32>)
    -> (tensor<?x?x8x64xbf16>, tensor<?x8x4x64x64xf32>) {
  // phi(q), phi(k): [B, T, H, F] with F = 2 F' = 64.
  %phi_q = ida.feature_map %q weights(%W) {feature = #ida.feature<hedgehog, 32>}
      : (tensor<?x?x8x64xbf16>, tensor<8x32x64xf32>) -> tensor<?x?x8x64xbf16>
  %phi_k = ida.feature_map %k weights(%W) {feature = #ida.feature<hedgehog, 32>}
      : (tensor<?x?x8x64xbf16>, tensor<8x32x64xf32>) -> tensor<?x?x8x64xbf16>
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

// A two-layer hybrid mixer stack: an Interdomain Attention layer (the
// composite ida.attention) followed by a causal softmax attention layer with
// a sliding window; the IDA layer's output is the attention layer's values.
//
// Activations are head-split, x [B, T, H, P] with H = 8, P = 64. The
// projections to q, k, dt and g, and the residual connections, are computed
// by the host model (runtime/nn layers) and are not part of the graph: the
// pipeline turns every op of a graph into kernels, and elementwise ops have
// no kernel template (docs/compiler.md, "What is not lowered").
//
// Layer 1 (IDA): D = 64, N = 4 basis functions with softmax weights, elu1
//   feature map (F = D = 64), normalized, chunk 64; carries S and Z.
// Layer 2 (softmax attention): D = 64, window 512.
//
// Check with: ida-opt examples/hybrid_2layer.mlir
// Compile with: ida-opt --ida-pipeline examples/hybrid_2layer.mlir

/// Prefill: runs both layers over a prompt and returns the second layer's
/// output and the IDA layer's final state (S_T, Z_T) for decoding.
func.func @hybrid_2layer(
    %x: tensor<?x?x8x64xf32>,
    // layer 1: IDA
    %q1: tensor<?x?x8x64xf32>, %k1: tensor<?x?x8x64xf32>,
    %dt1: tensor<?x?x8xf32>, %g1: tensor<?x?x8x4xf32>,
    %A_log: tensor<8x4xf32>, %dt_bias: tensor<8xf32>,
    // layer 2: softmax attention
    %q2: tensor<?x?x8x64xf32>, %k2: tensor<?x?x8x64xf32>)
    -> (tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>, tensor<?x8x4x64xf32>) {
  %y1, %S_T, %Z_T = ida.attention %q1, %k1, %x, %dt1, %g1, %A_log, %dt_bias
      {feature = #ida.feature<elu1>, basis = #ida.basis<4, softmax>,
       chunk = 64, normalize = true}
      : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
         tensor<?x?x8xf32>, tensor<?x?x8x4xf32>, tensor<8x4xf32>,
         tensor<8xf32>)
      -> (tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>, tensor<?x8x4x64xf32>)

  %y2 = ida.softmax_attention %q2, %k2, %y1 {window = 512}
      : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>)
      -> tensor<?x?x8x64xf32>
  return %y2, %S_T, %Z_T
      : tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>, tensor<?x8x4x64xf32>
}

/// One decode step of the IDA layer from the carried (S, Z): the cost does
/// not depend on how many tokens came before. The token's row x_t [B, H, P]
/// is the value.
func.func @hybrid_ida_decode(
    %x_t: tensor<?x8x64xf32>, %q: tensor<?x8x64xf32>, %k: tensor<?x8x64xf32>,
    %dt: tensor<?x8xf32>, %g: tensor<?x8x4xf32>,
    %A_log: tensor<8x4xf32>, %dt_bias: tensor<8xf32>,
    %S: tensor<?x8x4x64x64xf32>, %Z: tensor<?x8x4x64xf32>)
    -> (tensor<?x8x64xf32>, tensor<?x8x4x64x64xf32>, tensor<?x8x4x64xf32>) {
  %y, %S_new, %Z_new = ida.decode_step %q, %k, %x_t, %dt, %g, %A_log, %dt_bias
      state(%S, %Z)
      {feature = #ida.feature<elu1>, basis = #ida.basis<4, softmax>,
       normalize = true}
      : (tensor<?x8x64xf32>, tensor<?x8x64xf32>, tensor<?x8x64xf32>,
         tensor<?x8xf32>, tensor<?x8x4xf32>, tensor<8x4xf32>, tensor<8xf32>,
         tensor<?x8x4x64x64xf32>, tensor<?x8x4x64xf32>)
      -> (tensor<?x8x64xf32>, tensor<?x8x4x64x64xf32>, tensor<?x8x4x64xf32>)
  return %y, %S_new, %Z_new
      : tensor<?x8x64xf32>, tensor<?x8x4x64x64xf32>, tensor<?x8x4x64xf32>
}

/// A fully static instance (B = 2, T = 256, bf16) of the prefill, with a
/// Mamba-2-style layer (N = 1, identity, uniform weights) instead of IDA.
func.func @hybrid_2layer_static(
    %x: tensor<2x256x8x64xbf16>,
    %q1: tensor<2x256x8x64xbf16>, %k1: tensor<2x256x8x64xbf16>,
    %dt1: tensor<2x256x8xbf16>, %g1: tensor<2x256x8x1xbf16>,
    %A_log: tensor<8x1xf32>, %dt_bias: tensor<8xf32>,
    %q2: tensor<2x256x8x64xbf16>, %k2: tensor<2x256x8x64xbf16>)
    -> tensor<2x256x8x64xbf16> {
  %y1 = ida.attention %q1, %k1, %x, %dt1, %g1, %A_log, %dt_bias
      {feature = #ida.feature<identity>, basis = #ida.basis<1, uniform>,
       chunk = 128}
      : (tensor<2x256x8x64xbf16>, tensor<2x256x8x64xbf16>,
         tensor<2x256x8x64xbf16>, tensor<2x256x8xbf16>,
         tensor<2x256x8x1xbf16>, tensor<8x1xf32>, tensor<8xf32>)
      -> tensor<2x256x8x64xbf16>
  %y2 = ida.softmax_attention %q2, %k2, %y1
      : (tensor<2x256x8x64xbf16>, tensor<2x256x8x64xbf16>,
         tensor<2x256x8x64xbf16>) -> tensor<2x256x8x64xbf16>
  return %y2 : tensor<2x256x8x64xbf16>
}

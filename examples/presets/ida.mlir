// Interdomain Attention (spec §3): N = 4 basis functions with softmax
// query weights over the basis, elu1 feature map (F = D).
//
// Preset graph for `idac --preset ida` (docs/compiler.md, "Presets"):
// H = 8 heads, D = P = 64, f32, dynamic B and T.
// Compile with: ida-opt --ida-pipeline examples/presets/ida.mlir

func.func @ida(
    %q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>,
    %v: tensor<?x?x8x64xf32>, %dt: tensor<?x?x8xf32>,
    %g: tensor<?x?x8x4xf32>, %A_log: tensor<8x4xf32>,
    %dt_bias: tensor<8xf32>)
    -> (tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>) {
  %y, %S_T = ida.attention %q, %k, %v, %dt, %g, %A_log, %dt_bias
      {feature = #ida.feature<elu1>, basis = #ida.basis<4, softmax>,
       chunk = 64}
      : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
         tensor<?x?x8xf32>, tensor<?x?x8x4xf32>, tensor<8x4xf32>,
         tensor<8xf32>)
      -> (tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>)
  return %y, %S_T : tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>
}

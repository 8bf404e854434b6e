// RetNet-style retention (spec §7): N = 1, identity features. The fixed
// step delta is a property of the parameters (dt = 0, frozen dt_bias and
// A_log), so the graph is the Mamba-2 one with its own preset name.
//
// Preset graph for `idac --preset retnet` (docs/compiler.md, "Presets"):
// H = 8 heads, D = P = 64, f32, dynamic B and T.
// Compile with: ida-opt --ida-pipeline examples/presets/retnet.mlir

func.func @retnet(
    %q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>,
    %v: tensor<?x?x8x64xf32>, %dt: tensor<?x?x8xf32>,
    %g: tensor<?x?x8x1xf32>, %A_log: tensor<8x1xf32>,
    %dt_bias: tensor<8xf32>)
    -> tensor<?x?x8x64xf32> {
  %y = ida.attention %q, %k, %v, %dt, %g, %A_log, %dt_bias
      {feature = #ida.feature<identity>, basis = #ida.basis<1, uniform>,
       chunk = 64}
      : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
         tensor<?x?x8xf32>, tensor<?x?x8x1xf32>, tensor<8x1xf32>,
         tensor<8xf32>)
      -> tensor<?x?x8x64xf32>
  return %y : tensor<?x?x8x64xf32>
}

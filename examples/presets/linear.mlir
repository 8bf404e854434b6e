// Linear attention (Katharopoulos et al., spec §7): N = 1, elu1 features,
// normalized. "No decay, constant step" is a property of the parameters,
// not of the graph: the runtime sets A_log = -inf (lambda = 0) and freezes
// dt_bias with dt = 0, so the same kernels run it.
//
// Preset graph for `idac --preset linear` (docs/compiler.md, "Presets"):
// H = 8 heads, D = P = 64, f32, dynamic B and T.
// Compile with: ida-opt --ida-pipeline examples/presets/linear.mlir

func.func @linear(
    %q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>,
    %v: tensor<?x?x8x64xf32>, %dt: tensor<?x?x8xf32>,
    %g: tensor<?x?x8x1xf32>, %A_log: tensor<8x1xf32>,
    %dt_bias: tensor<8xf32>)
    -> tensor<?x?x8x64xf32> {
  %y = ida.attention %q, %k, %v, %dt, %g, %A_log, %dt_bias
      {feature = #ida.feature<elu1>, basis = #ida.basis<1, uniform>,
       chunk = 64, normalize = true}
      : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
         tensor<?x?x8xf32>, tensor<?x?x8x1xf32>, tensor<8x1xf32>,
         tensor<8xf32>)
      -> tensor<?x?x8x64xf32>
  return %y : tensor<?x?x8x64xf32>
}

// Multi-timescale SSM (spec §7): N = 4 basis functions with uniform
// weights (no query-conditioned projection), identity features; the same
// state size N*F*P as IDA.
//
// Preset graph for `idac --preset ssm` (docs/compiler.md, "Presets"):
// H = 8 heads, D = P = 64, f32, dynamic B and T.
// Compile with: ida-opt --ida-pipeline examples/presets/ssm.mlir

func.func @ssm(
    %q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>,
    %v: tensor<?x?x8x64xf32>, %dt: tensor<?x?x8xf32>,
    %g: tensor<?x?x8x4xf32>, %A_log: tensor<8x4xf32>,
    %dt_bias: tensor<8xf32>)
    -> (tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>) {
  %y, %S_T = ida.attention %q, %k, %v, %dt, %g, %A_log, %dt_bias
      {feature = #ida.feature<identity>, basis = #ida.basis<4, uniform>,
       chunk = 64}
      : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
         tensor<?x?x8xf32>, tensor<?x?x8x4xf32>, tensor<8x4xf32>,
         tensor<8xf32>)
      -> (tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>)
  return %y, %S_T : tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>
}

// Causal softmax attention (the baseline of spec §1): full causal window.
//
// Preset graph for `idac --preset softmax` (docs/compiler.md, "Presets"):
// H = 8 heads, D = P = 64, f32, dynamic B and T.
// Compile with: ida-opt --ida-pipeline examples/presets/softmax.mlir

func.func @softmax(
    %q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>,
    %v: tensor<?x?x8x64xf32>) -> tensor<?x?x8x64xf32> {
  %y = ida.softmax_attention %q, %k, %v
      : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>)
      -> tensor<?x?x8x64xf32>
  return %y : tensor<?x?x8x64xf32>
}

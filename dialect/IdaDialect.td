//===- IdaDialect.td - The ida dialect ---------------------*- tablegen -*-===//
//
// Declares the `ida` dialect: tensor-level ops of Interdomain Attention (see
// docs/spec.md and docs/dialect.md).
//
//===----------------------------------------------------------------------===//

#ifndef IDA_DIALECT_IDADIALECT_TD
#define IDA_DIALECT_IDADIALECT_TD

include "mlir/IR/OpBase.td"

def Ida_Dialect : Dialect {
  let name = "ida";
  let cppNamespace = "::mlir::ida";
  let summary = "Tensor-level ops of Interdomain Attention (IDA)";
  let description = [{
    The `ida` dialect describes Interdomain Attention mixers at tensor level:
    the primitives of the recurrence (`ida.feature_map`, `ida.discretize`,
    `ida.basis_weights`, `ida.scan`, `ida.scan_grad`), the composite layer
    (`ida.attention`), the one-token decode step (`ida.decode_step`) and a
    causal softmax attention layer for hybrid graphs
    (`ida.softmax_attention`).

    Layouts are batch-major with heads after time: `q, k [B, T, H, D]`,
    `v [B, T, H, P]`, states `[B, H, N, F, P]`. `H`, `D`, `P`, `N` and `F`
    are static; `B` and `T` may be dynamic. Activations are `f32`, `bf16` or
    `f16`; recurrent states, log decays, input scales and basis weights are
    always `f32`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // IDA_DIALECT_IDADIALECT_TD

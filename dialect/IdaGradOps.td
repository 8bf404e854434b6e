//===- IdaGradOps.td - Gradient ops of the ida dialect -----*- tablegen -*-===//
//
// Vector-Jacobian products of the prologue ops and of softmax attention
// (docs/spec.md §6: "the chain rule through softplus, exp(A_log), the softmax
// over the basis and phi"). They are what the VJP rules of
// IdaGradientOpInterface emit; ida-fuse groups them with ida.scan_grad into
// one backward kernel. Included from IdaOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_DIALECT_IDAGRADOPS_TD
#define IDA_DIALECT_IDAGRADOPS_TD

//===----------------------------------------------------------------------===//
// ida.feature_map_grad
//===----------------------------------------------------------------------===//

def IDA_FeatureMapGradOp : IDA_Op<"feature_map_grad",
    []> {
  let summary = "vector-Jacobian product of ida.feature_map";
  let description = [{
    Given the primal input `x [B, T, H, D]`, the weights `weights(W)`
    `[H, F', D]` (iff the kind is `prf` or `hedgehog`) and the cotangent of
    the features `dphi [B, T, H, F]`, returns `dx [B, T, H, D]` (element
    type of `x`) and, when `W` is given, `dW [H, F', D]` (element type of
    `W`), the latter summed over batch and time.

    ```mlir
    %dx, %dW = ida.feature_map_grad %x weights(%W), %dphi
        {feature = #ida.feature<hedgehog, 32>}
        : (tensor<?x?x4x64xf32>, tensor<4x32x64xf32>, tensor<?x?x4x64xf32>)
        -> (tensor<?x?x4x64xf32>, tensor<4x32x64xf32>)
    ```
  }];
  let arguments = (ins
    IDA_ActTensor:$x,
    Optional<IDA_ActTensor>:$W,
    IDA_ActTensor:$dphi,
    IDA_FeatureAttr:$feature
  );
  let results = (outs IDA_ActTensor:$dx, Optional<IDA_ActTensor>:$dW);
  let assemblyFormat = [{
    $x (`weights` `(` $W^ `)`)? `,` $dphi attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// ida.discretize_grad
//===----------------------------------------------------------------------===//

def IDA_DiscretizeGradOp : IDA_Op<"discretize_grad"> {
  let summary = "vector-Jacobian product of ida.discretize";
  let description = [{
    Given the primal operands `dt [B, T, H]`, `A_log [H, N]`,
    `dt_bias [H]` and the cotangents `dloga [B, T, H, N]`, `dbeta [B, T, H]`
    (f32), returns `ddt`, `dA_log`, `ddt_bias` shaped and typed like their
    primals. With `delta = softplus(dt + dt_bias)`, `lambda = exp(A_log)`:

    ```
    ddelta   = dbeta - sum_n dloga_n lambda_n
    ddt      = ddelta * sigmoid(dt + dt_bias)
    ddt_bias = sum_{b,t} ddt
    dA_log_n = -sum_{b,t} dloga_n delta lambda_n
    ```

    ```mlir
    %ddt, %dA, %ddb = ida.discretize_grad %dt, %A_log, %dt_bias, %dloga, %dbeta
        : (tensor<?x?x4xf32>, tensor<4x8xf32>, tensor<4xf32>,
           tensor<?x?x4x8xf32>, tensor<?x?x4xf32>)
        -> (tensor<?x?x4xf32>, tensor<4x8xf32>, tensor<4xf32>)
    ```
  }];
  let arguments = (ins
    IDA_ActTensor:$dt,
    IDA_ActTensor:$A_log,
    IDA_ActTensor:$dt_bias,
    IDA_F32Tensor:$dloga,
    IDA_F32Tensor:$dbeta
  );
  let results = (outs
    IDA_ActTensor:$ddt,
    IDA_ActTensor:$dA_log,
    IDA_ActTensor:$ddt_bias
  );
  let assemblyFormat = [{
    $dt `,` $A_log `,` $dt_bias `,` $dloga `,` $dbeta attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// ida.basis_weights_grad
//===----------------------------------------------------------------------===//

def IDA_BasisWeightsGradOp : IDA_Op<"basis_weights_grad"> {
  let summary = "vector-Jacobian product of ida.basis_weights";
  let description = [{
    Given the primal logits `g [B, T, H, N]` and the cotangent of the
    weights `dgamma [B, T, H, N]` (f32), returns `dg` (shape and element
    type of `g`): `gamma * (dgamma - sum_n gamma_n dgamma_n)` for
    `softmax`, `dgamma * gamma * (1 - gamma)` for `sigmoid` and zero for
    `uniform`.

    ```mlir
    %dg = ida.basis_weights_grad %g, %dgamma {kind = #ida.weights<softmax>}
        : (tensor<?x?x4x8xbf16>, tensor<?x?x4x8xf32>) -> tensor<?x?x4x8xbf16>
    ```
  }];
  let arguments = (ins IDA_ActTensor:$g, IDA_F32Tensor:$dgamma,
                       IDA_BasisWeightsAttr:$kind);
  let results = (outs IDA_ActTensor:$dg);
  let assemblyFormat = [{
    $g `,` $dgamma attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// ida.softmax_attention_grad
//===----------------------------------------------------------------------===//

def IDA_SoftmaxAttentionGradOp : IDA_Op<"softmax_attention_grad"> {
  let summary = "vector-Jacobian product of ida.softmax_attention";
  let description = [{
    Given the primal operands `q, k [B, T, H, D]`, `v [B, T, H, P]` and the
    output cotangent `dy [B, T, H, P]`, returns `dq`, `dk`, `dv` shaped and
    typed like `q`, `k`, `v`. `window` must match the primal op.

    ```mlir
    %dq, %dk, %dv = ida.softmax_attention_grad %q, %k, %v, %dy {window = 256}
        : (tensor<?x?x8x64xf16>, tensor<?x?x8x64xf16>, tensor<?x?x8x64xf16>,
           tensor<?x?x8x64xf16>)
        -> (tensor<?x?x8x64xf16>, tensor<?x?x8x64xf16>, tensor<?x?x8x64xf16>)
    ```
  }];
  let arguments = (ins
    IDA_ActTensor:$q,
    IDA_ActTensor:$k,
    IDA_ActTensor:$v,
    IDA_ActTensor:$dy,
    DefaultValuedAttr<I64Attr, "0">:$window
  );
  let results = (outs IDA_ActTensor:$dq, IDA_ActTensor:$dk, IDA_ActTensor:$dv);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $dy attr-dict `:` functional-type(operands, results)
  }];
}

#endif // IDA_DIALECT_IDAGRADOPS_TD

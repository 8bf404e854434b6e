//===- IdaOps.td - Operations of the ida dialect -----------*- tablegen -*-===//
//
// Tensor-level ops of Interdomain Attention. Shapes follow docs/spec.md §2:
// q, k [B, T, H, D]; v [B, T, H, P]; dt [B, T, H]; g [B, T, H, N];
// A_log [H, N]; dt_bias [H]; W [H, F', D]; states [B, H, N, F, P] and
// normalizers [B, H, N, F]. Every shape relation is checked by the op's C++
// verifier, which names operands by their spec names.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_DIALECT_IDAOPS_TD
#define IDA_DIALECT_IDAOPS_TD

include "IdaDialect.td"
include "IdaAttrs.td"
include "IdaInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

/// Activations and parameters: f32, bf16 or f16.
def IDA_ActTensor : RankedTensorOf<[F32, BF16, F16]>;
/// Recurrent states, log decays, input scales and basis weights: f32.
def IDA_F32Tensor : RankedTensorOf<[F32]>;

def IDA_ChunkAttr : DefaultValuedAttr<I64Attr, "64">;
def IDA_NormalizeAttr : DefaultValuedAttr<BoolAttr, "false">;

//===----------------------------------------------------------------------===//
// Base class
//===----------------------------------------------------------------------===//

class IDA_Op<string mnemonic, list<Trait> traits = []>
    : Op<Ida_Dialect, mnemonic, !listconcat(traits, [Pure])> {
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ida.feature_map
//===----------------------------------------------------------------------===//

def IDA_FeatureMapOp : IDA_Op<"feature_map",
    [DeclareOpInterfaceMethods<IDA_GradientOpInterface, ["buildVjp"]>]> {
  let summary = "applies a feature map phi: R^D -> R^F to every token and head";
  let description = [{
    Computes `phi(x)` (spec §4) along the last dimension of
    `x [B, T, H, D]`, giving `[B, T, H, F]` with `F` fixed by the
    `feature` attribute: `D` for `identity`, `elu1` and `relu`,
    `1 + D + D*D` for `taylor2`, `F'` for `prf` and `2 F'` for `hedgehog`.
    The `prf` and `hedgehog` maps take weights `W [H, F', D]` (the
    `weights(...)` operand, element type of `x` or f32), the other maps take
    none. The result has the element type of `x`.

    `prf` is `exp(W x' - |x'|^2/2) / sqrt(F')` and can overflow in f32 for
    large inputs.

    An `identity` feature map folds to its input.

    ```mlir
    %phi = ida.feature_map %x {feature = #ida.feature<elu1>}
        : (tensor<?x?x4x64xf32>) -> tensor<?x?x4x64xf32>
    %phi2 = ida.feature_map %x weights(%W) {feature = #ida.feature<prf, 128>}
        : (tensor<?x?x4x64xf32>, tensor<4x128x64xf32>) -> tensor<?x?x4x128xf32>
    ```
  }];
  let arguments = (ins
    IDA_ActTensor:$x,
    Optional<IDA_ActTensor>:$W,
    IDA_FeatureAttr:$feature
  );
  let results = (outs IDA_ActTensor:$phi);
  let assemblyFormat = [{
    $x (`weights` `(` $W^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// ida.discretize
//===----------------------------------------------------------------------===//

def IDA_DiscretizeOp : IDA_Op<"discretize",
    [DeclareOpInterfaceMethods<IDA_GradientOpInterface, ["buildVjp"]>]> {
  let summary = "computes log decays and input scales from raw step sizes";
  let description = [{
    With `delta = softplus(dt + dt_bias)` (broadcast over `B`, `T`) and
    `lambda = exp(A_log)`:

    ```
    loga[b, t, h, n] = -delta[b, t, h] * lambda[h, n]     (<= 0)
    beta[b, t, h]    = delta[b, t, h]
    ```

    Operands `dt [B, T, H]`, `A_log [H, N]`, `dt_bias [H]`; results
    `loga [B, T, H, N]` and `beta [B, T, H]`, both f32 (spec §3, §9).

    ```mlir
    %loga, %beta = ida.discretize %dt, %A_log, %dt_bias
        : (tensor<?x?x4xf32>, tensor<4x8xf32>, tensor<4xf32>)
        -> (tensor<?x?x4x8xf32>, tensor<?x?x4xf32>)
    ```
  }];
  let arguments = (ins
    IDA_ActTensor:$dt,
    IDA_ActTensor:$A_log,
    IDA_ActTensor:$dt_bias
  );
  let results = (outs IDA_F32Tensor:$loga, IDA_F32Tensor:$beta);
  let assemblyFormat = [{
    $dt `,` $A_log `,` $dt_bias attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// ida.basis_weights
//===----------------------------------------------------------------------===//

def IDA_BasisWeightsOp : IDA_Op<"basis_weights",
    [DeclareOpInterfaceMethods<IDA_GradientOpInterface, ["buildVjp"]>]> {
  let summary = "turns query basis logits into weights over the basis";
  let description = [{
    Maps `g [B, T, H, N]` to `gamma [B, T, H, N]` (f32) along the basis
    dimension: `softmax_n(g)`, `sigmoid(g)`, or the constant `1/N` for
    `uniform` (where `g` only gives the shape). With `uniform` and a static
    shape, the op folds to a splat constant.

    ```mlir
    %gamma = ida.basis_weights %g {kind = #ida.weights<softmax>}
        : (tensor<?x?x4x8xbf16>) -> tensor<?x?x4x8xf32>
    ```
  }];
  let arguments = (ins IDA_ActTensor:$g, IDA_BasisWeightsAttr:$kind);
  let results = (outs IDA_F32Tensor:$gamma);
  let assemblyFormat = [{
    $g attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// ida.scan
//===----------------------------------------------------------------------===//

def IDA_ScanOp : IDA_Op<"scan", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<IDA_GradientOpInterface, ["buildVjp"]>]> {
  let summary = "the IDA recurrence over time (spec §3, §5)";
  let description = [{
    Runs the recurrence of spec §3 on already feature-mapped queries and
    keys. Operands: `phi(q)`, `phi(k)` `[B, T, H, F]`, `v [B, T, H, P]`,
    `loga [B, T, H, N]`, `beta [B, T, H]`, `gamma [B, T, H, N]` (the last
    three f32), an optional initial state `init(S0)` `[B, H, N, F, P]` and,
    only when `normalize` is set, an optional initial normalizer
    `init_norm(Z0)` `[B, H, N, F]` (absent states are zero):

    ```
    S_t[n] = exp(loga_{t,n}) S_{t-1}[n] + beta_t phi(k_t) v_t^T
    y_t    = sum_n gamma_{t,n} S_t[n]^T phi(q_t)
    ```

    With `normalize`, `Z_t[n] = exp(loga_{t,n}) Z_{t-1}[n] + beta_t phi(k_t)`
    is kept as well and `y_t` is divided by
    `sum_n gamma_{t,n} Z_t[n] . phi(q_t) + 1e-6`.

    Results: `y [B, T, H, P]` (element type of `v`), then optionally the
    final state `S_T [B, H, N, F, P]` and, only with `normalize` and after
    `S_T`, the final normalizer `Z_T [B, H, N, F]`. `chunk` (default 64,
    >= 1) is the chunk length `C` of the chunked form (spec §5); any value
    gives the same result up to rounding and `T` need not be a multiple.

    ```mlir
    %y, %sT = ida.scan %pq, %pk, %v, %loga, %beta, %gamma init(%s0) {chunk = 32}
        : (tensor<2x128x4x64xf32>, tensor<2x128x4x64xf32>, tensor<2x128x4x64xf32>,
           tensor<2x128x4x8xf32>, tensor<2x128x4xf32>, tensor<2x128x4x8xf32>,
           tensor<2x4x8x64x64xf32>)
        -> (tensor<2x128x4x64xf32>, tensor<2x4x8x64x64xf32>)
    ```
  }];
  let arguments = (ins
    IDA_ActTensor:$q,
    IDA_ActTensor:$k,
    IDA_ActTensor:$v,
    IDA_F32Tensor:$loga,
    IDA_F32Tensor:$beta,
    IDA_F32Tensor:$gamma,
    Optional<IDA_F32Tensor>:$S0,
    Optional<IDA_F32Tensor>:$Z0,
    IDA_ChunkAttr:$chunk,
    IDA_NormalizeAttr:$normalize
  );
  let results = (outs
    IDA_ActTensor:$y,
    Variadic<IDA_F32Tensor>:$final_state
  );
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $loga `,` $beta `,` $gamma
    (`init` `(` $S0^ `)`)? (`init_norm` `(` $Z0^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The final state S_T, or null when the op does not return it.
    ::mlir::Value getST() {
      return getFinalState().empty() ? ::mlir::Value() : getFinalState()[0];
    }
    /// The final normalizer Z_T, or null when the op does not return it.
    ::mlir::Value getZT() {
      return getFinalState().size() < 2 ? ::mlir::Value() : getFinalState()[1];
    }
  }];
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// ida.scan_grad
//===----------------------------------------------------------------------===//

def IDA_ScanGradOp : IDA_Op<"scan_grad", [AttrSizedOperandSegments]> {
  let summary = "vector-Jacobian product of ida.scan (spec §6)";
  let description = [{
    Takes the primal operands of `ida.scan` (`phi(q)`, `phi(k)`, `v`,
    `loga`, `beta`, `gamma`), the output cotangent `dy [B, T, H, P]` and
    optionally the initial states `init(S0)`, `init_norm(Z0)` and the
    cotangents of the final states `final_grad(dS_T)` `[B, H, N, F, P]` and
    `final_norm_grad(dZ_T)` `[B, H, N, F]` (Z0 and dZ_T only with
    `normalize`). `chunk` and `normalize` must match the primal scan.

    Results are the cotangents of every scan operand, in operand order:
    `dq`, `dk`, `dv` (element types of their primals), `dloga`, `dbeta`,
    `dgamma` (f32), then `dS0` when `S0` is given and `dZ0` when `Z0` is
    given. `dloga` is the reverse cumulative sum of spec §6.

    ```mlir
    %dq, %dk, %dv, %dloga, %dbeta, %dgamma, %ds0 = ida.scan_grad
        %pq, %pk, %v, %loga, %beta, %gamma, %dy init(%s0) final_grad(%dsT)
        : (tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>,
           tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>,
           tensor<?x?x4x64xf32>, tensor<?x4x8x64x64xf32>, tensor<?x4x8x64x64xf32>)
        -> (tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>,
            tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4x8xf32>,
            tensor<?x4x8x64x64xf32>)
    ```
  }];
  let arguments = (ins
    IDA_ActTensor:$q,
    IDA_ActTensor:$k,
    IDA_ActTensor:$v,
    IDA_F32Tensor:$loga,
    IDA_F32Tensor:$beta,
    IDA_F32Tensor:$gamma,
    IDA_ActTensor:$dy,
    Optional<IDA_F32Tensor>:$S0,
    Optional<IDA_F32Tensor>:$Z0,
    Optional<IDA_F32Tensor>:$dS_T,
    Optional<IDA_F32Tensor>:$dZ_T,
    IDA_ChunkAttr:$chunk,
    IDA_NormalizeAttr:$normalize
  );
  let results = (outs
    IDA_ActTensor:$dq,
    IDA_ActTensor:$dk,
    IDA_ActTensor:$dv,
    IDA_F32Tensor:$dloga,
    IDA_F32Tensor:$dbeta,
    IDA_F32Tensor:$dgamma,
    Variadic<IDA_F32Tensor>:$dinit
  );
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $loga `,` $beta `,` $gamma `,` $dy
    (`init` `(` $S0^ `)`)? (`init_norm` `(` $Z0^ `)`)?
    (`final_grad` `(` $dS_T^ `)`)? (`final_norm_grad` `(` $dZ_T^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The cotangent of S0, or null when S0 is absent.
    ::mlir::Value getDS0() {
      return getS0() ? getDinit()[0] : ::mlir::Value();
    }
    /// The cotangent of Z0, or null when Z0 is absent.
    ::mlir::Value getDZ0() {
      return getZ0() ? getDinit().back() : ::mlir::Value();
    }
  }];
}

//===----------------------------------------------------------------------===//
// ida.attention
//===----------------------------------------------------------------------===//

def IDA_AttentionOp : IDA_Op<"attention", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<IDA_GradientOpInterface, ["buildVjp"]>]> {
  let summary = "a complete Interdomain Attention mixer (composite)";
  let description = [{
    The whole mixer of spec §3: `feature_map` on `q` and `k`, `discretize`,
    `basis_weights` and `scan`, in one op that the compiler decomposes or
    fuses. Operands: `q, k [B, T, H, D]`, `v [B, T, H, P]`, `dt [B, T, H]`,
    `g [B, T, H, N]`, `A_log [H, N]`, `dt_bias [H]`, the feature weights
    `weights(W)` `[H, F', D]` (present iff the feature kind is `prf` or
    `hedgehog`), an optional initial state `init(S0)` `[B, H, N, F, P]` and,
    with `normalize`, an optional `init_norm(Z0)` `[B, H, N, F]`.

    Attributes: `feature` (`#ida.feature<...>`, fixes `F`), `basis`
    (`#ida.basis<N, weights>`, `N` must match `g` and `A_log`), `chunk`
    (default 64, >= 1) and `normalize` (default false).

    Results: `y [B, T, H, P]` (element type of `q`), then optionally `S_T`
    and, with `normalize`, `Z_T`, as for `ida.scan`.

    ```mlir
    %y, %sT = ida.attention %q, %k, %v, %dt, %g, %A_log, %dt_bias init(%s0)
        {basis = #ida.basis<4, softmax>, chunk = 64, feature = #ida.feature<elu1>}
        : (tensor<?x?x4x64xbf16>, tensor<?x?x4x64xbf16>, tensor<?x?x4x64xbf16>,
           tensor<?x?x4xbf16>, tensor<?x?x4x4xbf16>, tensor<4x4xf32>,
           tensor<4xf32>, tensor<?x4x4x64x64xf32>)
        -> (tensor<?x?x4x64xbf16>, tensor<?x4x4x64x64xf32>)
    ```
  }];
  let arguments = (ins
    IDA_ActTensor:$q,
    IDA_ActTensor:$k,
    IDA_ActTensor:$v,
    IDA_ActTensor:$dt,
    IDA_ActTensor:$g,
    IDA_ActTensor:$A_log,
    IDA_ActTensor:$dt_bias,
    Optional<IDA_ActTensor>:$W,
    Optional<IDA_F32Tensor>:$S0,
    Optional<IDA_F32Tensor>:$Z0,
    IDA_FeatureAttr:$feature,
    IDA_BasisAttr:$basis,
    IDA_ChunkAttr:$chunk,
    IDA_NormalizeAttr:$normalize
  );
  let results = (outs
    IDA_ActTensor:$y,
    Variadic<IDA_F32Tensor>:$final_state
  );
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $dt `,` $g `,` $A_log `,` $dt_bias
    (`weights` `(` $W^ `)`)? (`init` `(` $S0^ `)`)? (`init_norm` `(` $Z0^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The final state S_T, or null when the op does not return it.
    ::mlir::Value getST() {
      return getFinalState().empty() ? ::mlir::Value() : getFinalState()[0];
    }
    /// The final normalizer Z_T, or null when the op does not return it.
    ::mlir::Value getZT() {
      return getFinalState().size() < 2 ? ::mlir::Value() : getFinalState()[1];
    }
  }];
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// ida.softmax_attention
//===----------------------------------------------------------------------===//

def IDA_SoftmaxAttentionOp : IDA_Op<"softmax_attention",
    [DeclareOpInterfaceMethods<IDA_GradientOpInterface, ["buildVjp"]>]> {
  let summary = "causal softmax attention (for hybrid graphs)";
  let description = [{
    `y_t = sum_{s <= t} softmax_s(q_t . k_s / sqrt(D)) v_s` per batch and
    head, with `q, k [B, T, H, D]`, `v [B, T, H, P]` and `y [B, T, H, P]`
    (element type of `q`). `window > 0` restricts each query to the last
    `window` keys, itself included; `window = 0` (the default) is full
    causal attention.

    ```mlir
    %y = ida.softmax_attention %q, %k, %v {window = 256}
        : (tensor<?x?x8x64xf16>, tensor<?x?x8x64xf16>, tensor<?x?x8x64xf16>)
        -> tensor<?x?x8x64xf16>
    ```
  }];
  let arguments = (ins
    IDA_ActTensor:$q,
    IDA_ActTensor:$k,
    IDA_ActTensor:$v,
    DefaultValuedAttr<I64Attr, "0">:$window
  );
  let results = (outs IDA_ActTensor:$y);
  let assemblyFormat = [{
    $q `,` $k `,` $v attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// ida.decode_step
//===----------------------------------------------------------------------===//

def IDA_DecodeStepOp : IDA_Op<"decode_step", [AttrSizedOperandSegments]> {
  let summary = "one token of an IDA mixer from a carried state (spec §8)";
  let description = [{
    Consumes one token per batch row: `q, k [B, H, D]`, `v [B, H, P]`,
    `dt [B, H]`, `g [B, H, N]`, the parameters `A_log [H, N]`,
    `dt_bias [H]`, `weights(W)` `[H, F', D]` (iff `prf`/`hedgehog`), and the
    carried state `S [B, H, N, F, P]`, followed by the normalizer
    `Z [B, H, N, F]` exactly when `normalize` is set. Computes

    ```
    S_new[n] = exp(loga_n) S[n] + beta phi(k) v^T
    y        = sum_n gamma_n S_new[n]^T phi(q)
    ```

    and returns `y [B, H, P]` (element type of `q`), `S_new` and, with
    `normalize`, `Z_new`. Cost is independent of the number of past tokens.

    ```mlir
    %y, %s1 = ida.decode_step %q, %k, %v, %dt, %g, %A_log, %dt_bias state(%s)
        {basis = #ida.basis<8, softmax>, feature = #ida.feature<elu1>}
        : (tensor<?x4x64xf32>, tensor<?x4x64xf32>, tensor<?x4x64xf32>,
           tensor<?x4xf32>, tensor<?x4x8xf32>, tensor<4x8xf32>, tensor<4xf32>,
           tensor<?x4x8x64x64xf32>)
        -> (tensor<?x4x64xf32>, tensor<?x4x8x64x64xf32>)
    ```
  }];
  let arguments = (ins
    IDA_ActTensor:$q,
    IDA_ActTensor:$k,
    IDA_ActTensor:$v,
    IDA_ActTensor:$dt,
    IDA_ActTensor:$g,
    IDA_ActTensor:$A_log,
    IDA_ActTensor:$dt_bias,
    Optional<IDA_ActTensor>:$W,
    IDA_F32Tensor:$S,
    Optional<IDA_F32Tensor>:$Z,
    IDA_FeatureAttr:$feature,
    IDA_BasisAttr:$basis,
    IDA_NormalizeAttr:$normalize
  );
  let results = (outs
    IDA_ActTensor:$y,
    IDA_F32Tensor:$S_new,
    Optional<IDA_F32Tensor>:$Z_new
  );
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $dt `,` $g `,` $A_log `,` $dt_bias
    (`weights` `(` $W^ `)`)? `state` `(` $S (`,` $Z^)? `)`
    attr-dict `:` functional-type(operands, results)
  }];
}

include "IdaGradOps.td"
include "IdaKernelOps.td"

#endif // IDA_DIALECT_IDAOPS_TD

//===- IdaAttrs.td - Attributes and enums of ida -----------*- tablegen -*-===//
//
// The feature-map kinds and basis weightings of docs/spec.md §3-§4, and the
// `#ida.feature` / `#ida.basis` attributes that carry them.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_DIALECT_IDAATTRS_TD
#define IDA_DIALECT_IDAATTRS_TD

include "IdaDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def IDA_FeatureKind : I32EnumAttr<"FeatureKind",
    "feature kind", [
      I32EnumAttrCase<"identity", 0>,
      I32EnumAttrCase<"elu1", 1>,
      I32EnumAttrCase<"relu", 2>,
      I32EnumAttrCase<"taylor2", 3>,
      I32EnumAttrCase<"prf", 4>,
      I32EnumAttrCase<"hedgehog", 5>
    ]> {
  let cppNamespace = "::mlir::ida";
  let genSpecializedAttr = 0;
}

def IDA_BasisWeights : I32EnumAttr<"BasisWeights",
    "basis weighting", [
      I32EnumAttrCase<"softmax", 0>,
      I32EnumAttrCase<"sigmoid", 1>,
      I32EnumAttrCase<"uniform", 2>
    ]> {
  let cppNamespace = "::mlir::ida";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class IDA_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Ida_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def IDA_BasisWeightsAttr
    : EnumAttr<Ida_Dialect, IDA_BasisWeights, "weights"> {
  let summary = "basis weighting kind: softmax, sigmoid or uniform";
  let assemblyFormat = "`<` $value `>`";
}

def IDA_FeatureAttr : IDA_Attr<"Feature", "feature"> {
  let summary = "feature map kind and, for prf/hedgehog, its size F'";
  let description = [{
    Selects the feature map `phi` of spec §4. `prf` and `hedgehog` take a
    second parameter `F'` (the number of rows of their weights
    `W [H, F', D]`); the other kinds take none.

    | kind | F |
    |---|---|
    | `identity`, `elu1`, `relu` | `D` |
    | `taylor2` | `1 + D + D*D` |
    | `prf` | `F'` |
    | `hedgehog` | `2 F'` |

    ```mlir
    #ida.feature<elu1>
    #ida.feature<taylor2>
    #ida.feature<prf, 128>
    #ida.feature<hedgehog, 32>
    ```

    `prf` computes `exp(W x' - |x'|^2 / 2)`, which can overflow in f32 for
    large inputs; kernels must not turn this into silent garbage.
  }];
  let parameters = (ins
    "::mlir::ida::FeatureKind":$kind,
    DefaultValuedParameter<"int64_t", "0">:$size
  );
  let assemblyFormat = "`<` $kind (`,` $size^)? `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Whether the map takes weights W [H, F', D] (prf and hedgehog).
    bool hasWeights() const;
    /// The feature dimension F for head dimension `headDim` (spec §4).
    int64_t getFeatureDim(int64_t headDim) const;
  }];
}

def IDA_BasisAttr : IDA_Attr<"Basis", "basis"> {
  let summary = "basis size N and query weighting over the basis";
  let description = [{
    `N` exponential basis functions of time and how each query weighs them:
    `softmax` (`gamma = softmax_n(g)`), `sigmoid` (`gamma = sigmoid(g)`) or
    `uniform` (`gamma = 1/N`, `g` unused).

    ```mlir
    #ida.basis<4, softmax>
    #ida.basis<1, uniform>
    ```
  }];
  let parameters = (ins
    "int64_t":$size,
    "::mlir::ida::BasisWeights":$weights
  );
  let assemblyFormat = "`<` $size `,` $weights `>`";
  let genVerifyDecl = 1;
}

#endif // IDA_DIALECT_IDAATTRS_TD

//===- IdaKernelOps.td - Fusion groups and kernel-level ops -*- tablegen -*-===//
//
// What the compiler's passes produce (docs/compiler.md): `ida.fused` groups
// (ida-fuse, planned by ida-plan) and, after ida-lower-to-kernels, module-level
// `ida.kernel` symbols with a host function that allocates temporaries
// (`ida.alloc`) and sequences `ida.launch`. Included from IdaOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_DIALECT_IDAKERNELOPS_TD
#define IDA_DIALECT_IDAKERNELOPS_TD

include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

class IDA_KernelLevelOp<string mnemonic, list<Trait> traits = []>
    : Op<Ida_Dialect, mnemonic, traits> {
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ida.fused / ida.yield
//===----------------------------------------------------------------------===//

def IDA_FusedOp : IDA_KernelLevelOp<"fused", [IsolatedFromAbove, Pure,
    SingleBlock]> {
  let summary = "a group of tensor-level ops that becomes one kernel";
  let description = [{
    A fusion group built by `ida-fuse`: its region computes, from the
    group's inputs (the block arguments, one per operand), the values it
    yields; no value inside the region is written to memory between
    kernels. `role` says which kernel template family implements it:

    | role | body |
    |---|---|
    | `scan_fwd` | `ida.scan` with its prologue (`feature_map` on q and k, `discretize`, `basis_weights`) |
    | `scan_bwd` | `ida.scan_grad` with the recomputed prologue and the prologue gradients (`feature_map_grad`, `discretize_grad`, `basis_weights_grad`, cotangent sums) |
    | `decode` | `ida.decode_step` |
    | `softmax_attn_fwd` | `ida.softmax_attention` |
    | `softmax_attn_bwd` | `ida.softmax_attention_grad` |

    `ida-plan` attaches `plan`, a dictionary `{strategy, space = {keys,
    configs}, default}` (docs/compiler.md, "Tuning space").

    ```mlir
    %y = ida.fused "softmax_attn_fwd" (%q, %k, %v)
        : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>)
        -> tensor<?x?x8x64xf32> {
    ^bb0(%a: tensor<?x?x8x64xf32>, %b: tensor<?x?x8x64xf32>, %c: tensor<?x?x8x64xf32>):
      %0 = ida.softmax_attention %a, %b, %c
          : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>)
          -> tensor<?x?x8x64xf32>
      ida.yield %0 : tensor<?x?x8x64xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$inputs, StrAttr:$role,
                       OptionalAttr<DictionaryAttr>:$plan);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $role `(` $inputs `)` attr-dict `:` functional-type($inputs, $results)
    $body
  }];
  let extraClassDeclaration = [{
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
    /// The roles ida-fuse creates.
    static bool isKnownRole(::llvm::StringRef role);
  }];
}

def IDA_YieldOp : IDA_KernelLevelOp<"yield", [Pure, Terminator, ReturnLike,
    HasParent<"FusedOp">]> {
  let summary = "terminates an ida.fused region with the group's results";
  let description = [{
    ```mlir
    ida.yield %y, %sT : tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

//===----------------------------------------------------------------------===//
// ida.kernel
//===----------------------------------------------------------------------===//

def IDA_KernelOp : IDA_KernelLevelOp<"kernel", [Symbol]> {
  let summary = "one kernel instantiated from a template (a manifest entry)";
  let description = [{
    A module-level symbol whose attributes mirror one entry of the bundle
    manifest's `kernels` map (docs/bundle-format.md), so that `idac` can
    serialise it directly. Attribute names differ from the manifest keys
    only where the key is a C++ keyword: `template_name` (manifest
    `template`), `static_params` (`static`), `default_config` (`default`).

    - `template_name`: the kernel template family (docs/templates.md), e.g.
      `scan_fwd_onepass`, `scan_fwd_twopass`, `scan_decode`, `scan_bwd`,
      `scan_bwd_param_reduce`, `softmax_attn_fwd`, `softmax_attn_bwd`.
    - `static_params`: the generated `IdaGenParams` (D, F, Fp, N, P, H,
      feature, basis, normalize, has_S0, has_ST, in_t; or D, P, H, window,
      in_t for softmax attention).
    - `args`: the template's buffer list in its documented order; each entry
      names a buffer of the host function (`ida.buffer` argument attribute
      or `ida.alloc`), `@name` a workspace of this kernel, or `""` for an
      optional slot that is absent (the kernel sees a null pointer).
    - `workspaces`: a list of `{name, dtype, shape}`, kernel-local scratch buffers.
    - `programs`: a list of `{symbol, program, grid, threads, smem}`, launched in
      order; `program` is the template's C++ program class.
    - `space`: `{keys, configs}`, the statically pruned tuning space as an
      explicit list of configurations; `default_config` is one of them.
    - `origin`: the location of the source op.

    Shapes, grids, threads and smem are strings in the runtime's expression
    language: integers, names (`B`, `T`, `H`, configuration keys),
    `+ - * / %`, parentheses, `cdiv(a, b)`, `min(a, b)`, `max(a, b)`.

    ```mlir
    ida.kernel @f_softmax_attn_fwd_0 {
        template_name = "softmax_attn_fwd", origin = "f.mlir:3:8",
        static_params = {D = 64 : i64, H = 8 : i64, P = 64 : i64,
                         in_t = "f32", window = 0 : i64},
        args = ["q", "k", "v", "y", ""], workspaces = [],
        programs = [ {symbol = "f_softmax_attn_fwd_0_fwd",
                     program = "SoftmaxAttnFwdProgram",
                     grid = ["cdiv(T, BM)", "H", "B"],
                     threads = "32 * NUM_WARPS", smem = "0"} ],
        space = {keys = ["BM", "BN", "NUM_WARPS", "STAGES"],
                 configs = [[64, 64, 4, 2]]},
        default_config = {BM = 64 : i64, BN = 64 : i64, NUM_WARPS = 4 : i64,
                          STAGES = 2 : i64}}
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name,
    StrAttr:$template_name,
    StrAttr:$origin,
    DictionaryAttr:$static_params,
    StrArrayAttr:$args,
    ArrayAttr:$workspaces,
    ArrayAttr:$programs,
    DictionaryAttr:$space,
    DictionaryAttr:$default_config
  );
  let assemblyFormat = "$sym_name attr-dict";
  let extraClassDeclaration = [{
    /// Number of `ida.launch` operands: args that are neither workspaces
    /// (`@name`) nor absent (`""`).
    unsigned getNumBufferArgs();
  }];
}

//===----------------------------------------------------------------------===//
// ida.launch
//===----------------------------------------------------------------------===//

def IDA_LaunchOp : IDA_KernelLevelOp<"launch",
    [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "launches every program of an ida.kernel over buffers";
  let description = [{
    Binds the kernel's buffer arguments, in the order of its `args` with
    workspaces and absent slots skipped, to memrefs of the host function,
    and runs the kernel's programs in order.

    ```mlir
    ida.launch @f_softmax_attn_fwd_0(%q, %k, %v, %y)
        : memref<?x?x8x64xf32>, memref<?x?x8x64xf32>, memref<?x?x8x64xf32>,
          memref<?x?x8x64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$kernel,
                       Variadic<AnyMemRef>:$buffers);
  let assemblyFormat = [{
    $kernel `(` $buffers `)` attr-dict (`:` type($buffers)^)?
  }];
}

//===----------------------------------------------------------------------===//
// ida.alloc
//===----------------------------------------------------------------------===//

def IDA_AllocOp : IDA_KernelLevelOp<"alloc"> {
  let summary = "a named temporary buffer of a host function";
  let description = [{
    A buffer that one launch writes and a later one reads (manifest role
    `temp`), e.g. the output of one layer feeding the next, or the
    parameter-gradient partials shared by the two backward kernels. `shape`
    gives each extent as an expression (same language as `ida.kernel`).

    ```mlir
    %t = ida.alloc "tmp_y" ["B", "T", "H", "64"] : memref<?x?x8x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, StrArrayAttr:$shape);
  let results = (outs AnyMemRef:$buffer);
  let assemblyFormat = "$name $shape attr-dict `:` type($buffer)";
}

#endif // IDA_DIALECT_IDAKERNELOPS_TD

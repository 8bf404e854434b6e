//===- Passes.td - Passes of the IDA compiler --------------*- tablegen -*-===//
//
// The pipeline of docs/compiler.md: ida-decompose -> ida-autodiff ->
// ida-fuse -> ida-plan -> ida-lower-to-kernels (registered together as
// --ida-pipeline).
//
//===----------------------------------------------------------------------===//

#ifndef IDA_COMPILER_TRANSFORMS_PASSES_TD
#define IDA_COMPILER_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def IdaDecompose : Pass<"ida-decompose", "::mlir::ModuleOp"> {
  let summary = "Rewrites ida.attention into its primitive ops";
  let description = [{
    Replaces every `ida.attention` by `ida.feature_map` (on q and on k),
    `ida.discretize`, `ida.basis_weights` and `ida.scan` with the same
    options, so the rest of the pipeline sees only primitives.
  }];
  let dependentDialects = ["::mlir::ida::IdaDialect"];
}

def IdaAutodiff : Pass<"ida-autodiff", "::mlir::ModuleOp"> {
  let summary = "Generates the vector-Jacobian product of functions";
  let description = [{
    For each selected `func.func @f(inputs) -> outputs`, adds
    `@f_vjp(inputs, output cotangents) -> input cotangents`: it recomputes
    the forward and walks it in reverse, asking each op for its VJP through
    `IdaGradientOpInterface`; cotangents reaching one value twice are
    summed with `arith.addf`. Ops without a rule get a located error.
  }];
  let options = [
    ListOption<"funcs", "funcs", "std::string",
      "Functions to differentiate (default: every function with results "
      "and a differentiable body; others are skipped with a remark)">,
  ];
  let dependentDialects = ["::mlir::ida::IdaDialect",
                           "::mlir::arith::ArithDialect"];
}

def IdaFuse : Pass<"ida-fuse", "::mlir::ModuleOp"> {
  let summary = "Groups scans with their prologue and epilogue into ida.fused";
  let description = [{
    Wraps each `ida.scan` with the feature maps, discretization and basis
    weights that produce its operands (role `scan_fwd`), each
    `ida.scan_grad` with its recomputed prologue and the prologue gradients
    that consume its results (role `scan_bwd`), each `ida.decode_step`
    (`decode`) and each softmax attention op (`softmax_attn_fwd`/`_bwd`) in
    an `ida.fused` region, so no intermediate (phi(q), log decays, basis
    weights) is materialized between kernels. Prologue ops are cloned into
    every group that needs them and erased when no longer used.
  }];
  let dependentDialects = ["::mlir::ida::IdaDialect"];
}

def IdaPlan : Pass<"ida-plan", "::mlir::ModuleOp"> {
  let summary = "Chooses a strategy and a tuning space for each fused group";
  let description = [{
    Attaches `plan = {strategy, space = {keys, configs}, default}` to every
    `ida.fused`. Scan forward groups get strategy `onepass` or `twopass`;
    the space over chunk length `C`, value tile `BV`, `NUM_WARPS` and
    `STAGES` (softmax attention: `BM`, `BN`, ...) is pruned statically by the
    on-chip footprint of the tiles; the default is a heuristic choice. A
    group whose space ends up empty gets a located error.
  }];
  let options = [
    Option<"strategy", "strategy", "std::string", "\"auto\"",
      "Scan forward strategy: auto, onepass or twopass">,
    ListOption<"chunks", "chunks", "int64_t",
      "Candidate chunk lengths C (default 16,32,64,128 plus the op's chunk)">,
    Option<"smemBudget", "smem-budget", "int64_t", "232448",
      "On-chip bytes a forward/decode/attention program may use">,
    Option<"bwdBudget", "bwd-budget", "int64_t", "4194304",
      "On-chip bytes a scan backward program may use">,
  ];
  let dependentDialects = ["::mlir::ida::IdaDialect"];
}

def IdaLowerToKernels : Pass<"ida-lower-to-kernels", "::mlir::ModuleOp"> {
  let summary = "Lowers planned groups to ida.kernel symbols and host launches";
  let description = [{
    Creates one `ida.kernel` per kernel of each planned `ida.fused` group
    (template, static parameters, argument list in the template's buffer
    order, workspaces, programs with grid expressions, tuning space, default
    configuration, origin) and rewrites each function into a host function
    over memrefs (outputs become trailing arguments, intermediates
    `ida.alloc`) that sequences `ida.launch`. Any op that is not part of a
    group gets a located "not supported by ida-lower-to-kernels" error.
  }];
  let dependentDialects = ["::mlir::ida::IdaDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // IDA_COMPILER_TRANSFORMS_PASSES_TD

// Verifier errors of the gradient ops and the kernel-level ops.
// RUN: ida-opt %s --split-input-file --verify-diagnostics

func.func @feature_map_grad_dw(%x: tensor<?x?x4x16xf32>, %w: tensor<4x8x16xf32>, %d: tensor<?x?x4x8xf32>) {
  // expected-error @+1 {{expected a 'dW' result exactly when 'W' is given}}
  %0 = ida.feature_map_grad %x weights(%w), %d {feature = #ida.feature<prf, 8>} : (tensor<?x?x4x16xf32>, tensor<4x8x16xf32>, tensor<?x?x4x8xf32>) -> tensor<?x?x4x16xf32>
  return
}

// -----

func.func @feature_map_grad_shape(%x: tensor<?x?x4x16xf32>, %d: tensor<?x?x4x8xf32>) {
  // expected-error @+1 {{expected 'dphi' to have shape [B, T, H, F] = [?, ?, 4, 16]}}
  %0 = ida.feature_map_grad %x, %d {feature = #ida.feature<elu1>} : (tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>) -> tensor<?x?x4x16xf32>
  return
}

// -----

func.func @discretize_grad_type(%dt: tensor<?x?x4xbf16>, %a: tensor<4x2xf32>, %db: tensor<4xf32>, %dla: tensor<?x?x4x2xf32>, %dbe: tensor<?x?x4xf32>) {
  // expected-error @+1 {{expected 'ddt' to have element type 'bf16' (the element type of 'dt')}}
  %0:3 = ida.discretize_grad %dt, %a, %db, %dla, %dbe : (tensor<?x?x4xbf16>, tensor<4x2xf32>, tensor<4xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4xf32>) -> (tensor<?x?x4xf32>, tensor<4x2xf32>, tensor<4xf32>)
  return
}

// -----

func.func @basis_weights_grad_shape(%g: tensor<?x?x4x2xf32>, %dgamma: tensor<?x?x4x3xf32>) {
  // expected-error @+1 {{expected 'dgamma' to have shape [B, T, H, N] = [?, ?, 4, 2]}}
  %0 = ida.basis_weights_grad %g, %dgamma {kind = #ida.weights<softmax>} : (tensor<?x?x4x2xf32>, tensor<?x?x4x3xf32>) -> tensor<?x?x4x2xf32>
  return
}

// -----

func.func @softmax_grad_window(%x: tensor<?x?x4x16xf32>) {
  // expected-error @+1 {{expected 'window' >= 0}}
  %0:3 = ida.softmax_attention_grad %x, %x, %x, %x {window = -1} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>)
  return
}

// -----

func.func @fused_role(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{unknown role 'matmul'}}
  %0 = ida.fused "matmul" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    ida.yield %a : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @fused_plan_default(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expected the default configuration {C = 0 : i64} to be one of the 1 configuration(s) of the plan's space}}
  %0 = ida.fused "decode" (%x) {plan = {strategy = "decode", space = {keys = ["C"], configs = [[16]]}, default = {C = 0}}} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    ida.yield %a : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{expected configuration #0 of 'space' to have 2 integer(s), one per key}}
ida.kernel @k {template_name = "t", origin = "", static_params = {}, args = ["x"], workspaces = [],
    programs = [{symbol = "k0", grid = ["1", "1", "1"]}],
    space = {keys = ["C", "BV"], configs = [[16]]}, default_config = {C = 16}}

// -----

// expected-error @+1 {{bad expression 'cdiv(T, BQ)' in program #0 grid[0]: unknown name 'BQ'}}
ida.kernel @k {template_name = "t", origin = "", static_params = {}, args = ["x"], workspaces = [],
    programs = [{symbol = "k0", grid = ["cdiv(T, BQ)", "H", "B"]}],
    space = {keys = ["BM"], configs = [[16]]}, default_config = {BM = 16}}

// -----

// expected-error @+1 {{workspace 'ws' is never passed to the kernel}}
ida.kernel @k {template_name = "t", origin = "", static_params = {}, args = ["x"],
    workspaces = [{name = "ws", dtype = "f32", shape = ["B"]}],
    programs = [{symbol = "k0", grid = ["1", "1", "1"]}],
    space = {keys = [], configs = [[]]}, default_config = {}}

// -----

// expected-error @+1 {{argument 'x' is passed twice}}
ida.kernel @k {template_name = "t", origin = "", static_params = {}, args = ["x", "x"], workspaces = [],
    programs = [{symbol = "k0", grid = ["1", "1", "1"]}],
    space = {keys = [], configs = [[]]}, default_config = {}}

// -----

ida.kernel @k {template_name = "t", origin = "", static_params = {}, args = ["x", "", "y"], workspaces = [],
    programs = [{symbol = "k0", grid = ["1", "1", "1"]}],
    space = {keys = [], configs = [[]]}, default_config = {}}

func.func @launch_count(%x: memref<4xf32>) {
  // expected-error @+1 {{expected 2 buffer(s) for kernel 'k'}}
  ida.launch @k(%x) : memref<4xf32>
  return
}

// -----

func.func @launch_symbol(%x: memref<4xf32>) {
  // expected-error @+1 {{'nope' does not reference an ida.kernel}}
  ida.launch @nope(%x) : memref<4xf32>
  return
}

// -----

func.func @alloc_rank() {
  // expected-error @+1 {{expected 2 shape expression(s), one per dimension, got 1}}
  %0 = ida.alloc "t" ["B"] : memref<?x4xf32>
  return
}

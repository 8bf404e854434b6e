// Round trip of the gradient ops, the fusion group and the kernel-level ops.
// RUN: ida-opt %s | ida-opt | FileCheck %s

// CHECK-LABEL: func.func @grad_ops
// CHECK: ida.feature_map_grad %{{.*}} weights(%{{.*}}), %{{.*}} {feature = #ida.feature<prf, 8>} : (tensor<?x?x4x16xbf16>, tensor<4x8x16xf32>, tensor<?x?x4x8xbf16>) -> (tensor<?x?x4x16xbf16>, tensor<4x8x16xf32>)
// CHECK: ida.discretize_grad
// CHECK: ida.basis_weights_grad %{{.*}}, %{{.*}} {kind = #ida.weights<softmax>}
// CHECK: ida.softmax_attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {window = 4 : i64}
func.func @grad_ops(%x: tensor<?x?x4x16xbf16>, %w: tensor<4x8x16xf32>, %dphi: tensor<?x?x4x8xbf16>,
                    %dt: tensor<?x?x4xf32>, %a: tensor<4x2xf32>, %db: tensor<4xf32>,
                    %dla: tensor<?x?x4x2xf32>, %dbe: tensor<?x?x4xf32>, %g: tensor<?x?x4x2xf32>,
                    %s: tensor<?x?x4x16xf32>) {
  %dx, %dw = ida.feature_map_grad %x weights(%w), %dphi {feature = #ida.feature<prf, 8>}
      : (tensor<?x?x4x16xbf16>, tensor<4x8x16xf32>, tensor<?x?x4x8xbf16>) -> (tensor<?x?x4x16xbf16>, tensor<4x8x16xf32>)
  %ddt, %da, %ddb = ida.discretize_grad %dt, %a, %db, %dla, %dbe
      : (tensor<?x?x4xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4xf32>)
      -> (tensor<?x?x4xf32>, tensor<4x2xf32>, tensor<4xf32>)
  %dg = ida.basis_weights_grad %g, %dla {kind = #ida.weights<softmax>}
      : (tensor<?x?x4x2xf32>, tensor<?x?x4x2xf32>) -> tensor<?x?x4x2xf32>
  %dq, %dk, %dv = ida.softmax_attention_grad %s, %s, %s, %s {window = 4}
      : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>)
      -> (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>)
  return
}

// CHECK-LABEL: func.func @fused
// CHECK: ida.fused "softmax_attn_fwd"(%{{.*}}, %{{.*}}) {plan = {default = {BM = 64 : i64}, space = {configs = {{\[\[}}32], [64]], keys = ["BM"]}, strategy = "flash"}}
// CHECK: ^bb0(%[[A:.*]]: tensor<?x?x4x16xf32>, %[[B:.*]]: tensor<?x?x4x16xf32>):
// CHECK: ida.yield %{{.*}} : tensor<?x?x4x16xf32>
func.func @fused(%q: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32> {
  %y = ida.fused "softmax_attn_fwd" (%q, %v)
      {plan = {strategy = "flash", space = {keys = ["BM"], configs = [[32], [64]]}, default = {BM = 64}}}
      : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32> {
  ^bb0(%a: tensor<?x?x4x16xf32>, %b: tensor<?x?x4x16xf32>):
    %0 = ida.softmax_attention %a, %a, %b : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
    ida.yield %0 : tensor<?x?x4x16xf32>
  }
  return %y : tensor<?x?x4x16xf32>
}

// CHECK-LABEL: ida.kernel @attn
// CHECK-SAME: args = ["q", "k", "v", "y", "@ws"]
// CHECK-SAME: template_name = "softmax_attn_fwd"
ida.kernel @attn {template_name = "softmax_attn_fwd", origin = "f.mlir:1:1",
    static_params = {D = 16, P = 16, H = 4, window = 0, in_t = "f32"},
    args = ["q", "k", "v", "y", "@ws"],
    workspaces = [{name = "ws", dtype = "f32", shape = ["B", "H", "cdiv(T, BM)"]}],
    programs = [{symbol = "attn_fwd", program = "SoftmaxAttnFwdProgram",
                 grid = ["cdiv(T, BM)", "H", "B"], threads = "32 * NUM_WARPS", smem = "0"}],
    space = {keys = ["BM", "NUM_WARPS"], configs = [[32, 4], [64, 4]]},
    default_config = {BM = 64, NUM_WARPS = 4}}

// CHECK-LABEL: func.func @host
// CHECK: %[[T:.*]] = ida.alloc "tmp" ["B", "T", "H", "16"] : memref<?x?x4x16xf32>
// CHECK: ida.launch @attn(%{{.*}}, %{{.*}}, %[[T]], %{{.*}}) : memref<?x?x4x16xf32>, memref<?x?x4x16xf32>, memref<?x?x4x16xf32>, memref<?x?x4x16xf32>
func.func @host(%q: memref<?x?x4x16xf32> {ida.buffer = {name = "q", role = "input"}},
                %y: memref<?x?x4x16xf32>) attributes {ida.entry} {
  %t = ida.alloc "tmp" ["B", "T", "H", "16"] : memref<?x?x4x16xf32>
  ida.launch @attn(%q, %q, %t, %y) : memref<?x?x4x16xf32>, memref<?x?x4x16xf32>, memref<?x?x4x16xf32>, memref<?x?x4x16xf32>
  return
}

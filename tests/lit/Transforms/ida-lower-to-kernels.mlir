// RUN: ida-opt %s --ida-decompose --ida-fuse --ida-plan --ida-lower-to-kernels | FileCheck %s
// RUN: ida-opt %s --ida-decompose --ida-fuse --ida-plan="strategy=twopass" --ida-lower-to-kernels | FileCheck %s --check-prefix=TWO
// RUN: ida-opt %s --ida-decompose --ida-fuse --ida-plan --ida-lower-to-kernels | ida-opt | FileCheck %s

// Forward, onepass: one kernel whose args follow the template's buffer order
// (q k v dt g A_log dt_bias W S0 Z0 y S_T Z_T), "" for absent optional
// buffers; the host function takes the inputs, then one buffer per result.
// bf16 activations add the tuning key MMA (tensor cores), default 2 (split
// bf16), each row of the space with 0 and 2; the fp32 kernels below have none.
// CHECK-LABEL: ida.kernel @fwd_scan_fwd_onepass_0
// CHECK-SAME: args = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "W", "", "", "y", "S_T", "Z_T"]
// CHECK-SAME: default_config = {BV = 32 : i64, C = 32 : i64, MMA = 2 : i64, NUM_WARPS = 4 : i64, STAGES = 2 : i64, STRATEGY = 0 : i64}
// CHECK-SAME: origin = "{{.*}}ida-lower-to-kernels.mlir:{{[0-9]+}}:16"
// CHECK-SAME: programs = [{grid = ["cdiv(32, BV)", "H", "B"], program = "ScanFwdOnePassProgram", smem = "0", symbol = "fwd_scan_fwd_onepass_0_fwd", threads = "32 * NUM_WARPS"}]
// CHECK-SAME: space = {configs = {{\[\[}}0, 16, 16, 4, 1, 0], [0, 16, 16, 4, 1, 2], [0, 16, 16, 4, 2, 0],
// CHECK-SAME: keys = ["STRATEGY", "C", "BV", "NUM_WARPS", "STAGES", "MMA"]
// CHECK-SAME: static_params = {D = 16 : i64, F = 16 : i64, Fp = 8 : i64, H = 4 : i64, N = 2 : i64, P = 32 : i64, basis = "softmax", feature = "hedgehog", has_S0 = false, has_ST = true, in_t = "bf16", normalize = true}
// CHECK-SAME: template_name = "scan_fwd_onepass", workspaces = []
// CHECK-LABEL: func.func @fwd(
// CHECK-SAME: %[[Q:[^:]*]]: memref<?x?x4x16xbf16> {ida.buffer = {dtype = "bf16", name = "q", role = "input", shape = ["B", "T", "H", "16"]}}
// CHECK-SAME: %[[W:[^:]*]]: memref<4x8x16xf32> {ida.buffer = {dtype = "f32", name = "W", role = "input", shape = ["H", "8", "16"]}}
// CHECK-SAME: %[[Y:[^:]*]]: memref<?x?x4x32xbf16> {ida.buffer = {dtype = "bf16", name = "y", role = "output", shape = ["B", "T", "H", "32"]}}
// CHECK-SAME: %[[ST:[^:]*]]: memref<?x4x2x16x32xf32> {ida.buffer = {dtype = "f32", name = "S_T", role = "output", shape = ["B", "H", "2", "16", "32"]}}
// CHECK-SAME: %[[ZT:[^:]*]]: memref<?x4x2x16xf32> {ida.buffer = {dtype = "f32", name = "Z_T", role = "output", shape = ["B", "H", "2", "16"]}})
// CHECK-SAME: attributes {ida.entry}
// CHECK-NEXT: ida.launch @fwd_scan_fwd_onepass_0(%[[Q]], %{{.*}}, %[[W]], %[[Y]], %[[ST]], %[[ZT]])
// CHECK-NEXT: return
// TWO-LABEL: ida.kernel @fwd_scan_fwd_twopass_0
// TWO-SAME: args = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "W", "", "", "y", "S_T", "Z_T", "@ws_state", "@ws_decay"]
// TWO-SAME: programs = [{grid = ["cdiv(T, C) * cdiv(32, BV)", "H", "B"], program = "ScanChunkStatesProgram", smem = "0", symbol = "fwd_scan_fwd_twopass_0_chunk_states", threads = "32 * NUM_WARPS"}, {grid = ["cdiv(32, BV)", "H", "B"], program = "ScanStatePassingProgram", smem = "0", symbol = "fwd_scan_fwd_twopass_0_state_passing", threads = "32 * NUM_WARPS"}, {grid = ["cdiv(T, C) * cdiv(32, BV)", "H", "B"], program = "ScanChunkOutputProgram", smem = "0", symbol = "fwd_scan_fwd_twopass_0_chunk_output", threads = "32 * NUM_WARPS"}]
// TWO-SAME: template_name = "scan_fwd_twopass"
// TWO-SAME: workspaces = [{dtype = "f32", name = "ws_state", shape = ["B", "H", "cdiv(T, C)", "cdiv(32, BV)", "32", "min(BV, 32) + 1"]}, {dtype = "f32", name = "ws_decay", shape = ["B", "H", "cdiv(T, C)", "2"]}]
func.func @fwd(%q: tensor<?x?x4x16xbf16>, %k: tensor<?x?x4x16xbf16>, %v: tensor<?x?x4x32xbf16>,
    %dt: tensor<?x?x4xbf16>, %g: tensor<?x?x4x2xbf16>, %a: tensor<4x2xf32>, %db: tensor<4xf32>, %w: tensor<4x8x16xf32>)
    -> (tensor<?x?x4x32xbf16>, tensor<?x4x2x16x32xf32>, tensor<?x4x2x16xf32>) {
  %y, %s, %z = ida.attention %q, %k, %v, %dt, %g, %a, %db weights(%w)
      {feature = #ida.feature<hedgehog, 8>, basis = #ida.basis<2, softmax>, chunk = 32, normalize = true}
      : (tensor<?x?x4x16xbf16>, tensor<?x?x4x16xbf16>, tensor<?x?x4x32xbf16>, tensor<?x?x4xbf16>, tensor<?x?x4x2xbf16>, tensor<4x2xf32>, tensor<4xf32>, tensor<4x8x16xf32>)
      -> (tensor<?x?x4x32xbf16>, tensor<?x4x2x16x32xf32>, tensor<?x4x2x16xf32>)
  return %y, %s, %z : tensor<?x?x4x32xbf16>, tensor<?x4x2x16x32xf32>, tensor<?x4x2x16xf32>
}

// Backward (what ida-autodiff produces): the backward kernel and the
// deterministic parameter reduction share a host temporary for the
// per-(b, h) partials; the backward's state checkpoints are a workspace.
// CHECK-LABEL: ida.kernel @bwd_scan_bwd_0
// CHECK-SAME: args = ["q_1", "k_1", "v_1", "dt_1", "g_1", "A_log", "dt_bias", "", "S0", "", "dy", "", "", "dq", "dk", "dv", "ddt", "dg", "dS0", "", "@ws_state", "tmp_ws_param"]
// CHECK-SAME: keys = ["C", "BV", "NUM_WARPS", "STAGES"]
// CHECK-SAME: template_name = "scan_bwd", workspaces = [{dtype = "f32", name = "ws_state", shape = ["B", "H", "cdiv(T, C) + 1", "cdiv(8, BV)", "16", "min(BV, 8)"]}]
// CHECK-LABEL: ida.kernel @bwd_scan_bwd_param_reduce_0
// CHECK-SAME: args = ["tmp_ws_param", "dA_log", "ddt_bias"]
// CHECK-SAME: programs = [{grid = ["H", "1", "1"], program = "ScanBwdParamReduceProgram", smem = "0", symbol = "bwd_scan_bwd_param_reduce_0_reduce", threads = "128"}], space = {configs = {{\[\[}}]], keys = []}
// CHECK-LABEL: func.func @bwd(
// CHECK: %[[P:.*]] = ida.alloc "tmp_ws_param" ["B", "H", "3"] : memref<?x2x3xf32>
// CHECK-NEXT: ida.launch @bwd_scan_bwd_0({{.*}}, %[[P]])
// CHECK-NEXT: ida.launch @bwd_scan_bwd_param_reduce_0(%[[P]], %{{.*}}, %{{.*}})
func.func @bwd(%q: tensor<?x?x2x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %dt: tensor<?x?x2xf32>,
    %g: tensor<?x?x2x2xf32>, %a: tensor<2x2xf32>, %db: tensor<2xf32>, %s0: tensor<?x2x2x8x8xf32>, %dy: tensor<?x?x2x8xf32>)
    -> (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2xf32>, tensor<?x?x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<?x2x2x8x8xf32>) {
  %pq = ida.feature_map %q {feature = #ida.feature<relu>} : (tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  %pk = ida.feature_map %k {feature = #ida.feature<relu>} : (tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  %la, %be = ida.discretize %dt, %a, %db : (tensor<?x?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> (tensor<?x?x2x2xf32>, tensor<?x?x2xf32>)
  %ga = ida.basis_weights %g {kind = #ida.weights<sigmoid>} : (tensor<?x?x2x2xf32>) -> tensor<?x?x2x2xf32>
  %dq, %dk, %dv, %dla, %dbe, %dga, %ds0 = ida.scan_grad %pq, %pk, %v, %la, %be, %ga, %dy init(%s0)
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x2xf32>, tensor<?x?x2xf32>, tensor<?x?x2x2xf32>, tensor<?x?x2x8xf32>, tensor<?x2x2x8x8xf32>)
      -> (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x2xf32>, tensor<?x?x2xf32>, tensor<?x?x2x2xf32>, tensor<?x2x2x8x8xf32>)
  %dxq = ida.feature_map_grad %q, %dq {feature = #ida.feature<relu>} : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  %dxk = ida.feature_map_grad %k, %dk {feature = #ida.feature<relu>} : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  %ddt, %da, %ddb = ida.discretize_grad %dt, %a, %db, %dla, %dbe : (tensor<?x?x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<?x?x2x2xf32>, tensor<?x?x2xf32>) -> (tensor<?x?x2xf32>, tensor<2x2xf32>, tensor<2xf32>)
  %dg = ida.basis_weights_grad %g, %dga {kind = #ida.weights<sigmoid>} : (tensor<?x?x2x2xf32>, tensor<?x?x2x2xf32>) -> tensor<?x?x2x2xf32>
  return %dxq, %dxk, %dv, %ddt, %dg, %da, %ddb, %ds0 : tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2xf32>, tensor<?x?x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<?x2x2x8x8xf32>
}

// Decode has its own kernel (buffers S, Z in the initial-state slots and
// S_new, Z_new in the final-state slots); softmax attention forward writes y
// (and no lse), its backward recomputes y and lse into temporaries. Buffer
// names are shared across the module's functions only between buffers of the
// same role, dtype and shape (one manifest namespace), hence the suffixes.
// CHECK-LABEL: ida.kernel @others_scan_decode_0
// CHECK-SAME: args = ["q_2", "k_2", "v_2", "dt_2", "g_2", "A_log_1", "dt_bias", "", "S", "", "y_1", "S_new"]
// CHECK-SAME: template_name = "scan_decode"
// CHECK-LABEL: ida.kernel @others_softmax_attn_fwd_1
// CHECK-SAME: args = ["q_1", "k_1", "v_1", "y_2"]
// CHECK-SAME: static_params = {D = 8 : i64, H = 2 : i64, P = 8 : i64, in_t = "f32", window = 3 : i64}
// CHECK-LABEL: ida.kernel @others_softmax_attn_fwd_2
// CHECK-SAME: args = ["q_1", "k_1", "v_1", "tmp_y", "tmp_lse"]
// CHECK-LABEL: ida.kernel @others_softmax_attn_bwd_2
// CHECK-SAME: args = ["q_1", "k_1", "v_1", "tmp_y", "tmp_lse", "dy", "dq", "dk", "dv"]
// CHECK-SAME: programs = [{grid = ["cdiv(T, BN)", "H", "B"], program = "SoftmaxAttnBwdDKDVProgram", smem = "0", symbol = "others_softmax_attn_bwd_2_dkdv", threads = "32 * NUM_WARPS"}, {grid = ["cdiv(T, BM)", "H", "B"], program = "SoftmaxAttnBwdDQProgram", smem = "0", symbol = "others_softmax_attn_bwd_2_dq", threads = "32 * NUM_WARPS"}]
// CHECK-LABEL: func.func @others(
// CHECK: ida.launch @others_scan_decode_0
// CHECK: ida.launch @others_softmax_attn_fwd_1
// CHECK: %[[TY:.*]] = ida.alloc "tmp_y" ["B", "T", "H", "8"] : memref<?x?x2x8xf32>
// CHECK: %[[TL:.*]] = ida.alloc "tmp_lse" ["B", "H", "T"] : memref<?x2x?xf32>
// CHECK: ida.launch @others_softmax_attn_fwd_2({{.*}}, %[[TY]], %[[TL]])
// CHECK: ida.launch @others_softmax_attn_bwd_2({{.*}}, %[[TY]], %[[TL]],
func.func @others(%q: tensor<?x2x8xf32>, %kd: tensor<?x2x8xf32>, %vd: tensor<?x2x8xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x1xf32>, %a: tensor<2x1xf32>, %db: tensor<2xf32>,
    %s: tensor<?x2x1x8x8xf32>, %x: tensor<?x?x2x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %dy: tensor<?x?x2x8xf32>)
    -> (tensor<?x2x8xf32>, tensor<?x2x1x8x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) {
  %y, %s1 = ida.decode_step %q, %kd, %vd, %dt, %g, %a, %db state(%s) {feature = #ida.feature<identity>, basis = #ida.basis<1, uniform>}
      : (tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2xf32>, tensor<?x2x1xf32>, tensor<2x1xf32>, tensor<2xf32>, tensor<?x2x1x8x8xf32>) -> (tensor<?x2x8xf32>, tensor<?x2x1x8x8xf32>)
  %o = ida.softmax_attention %x, %k, %v {window = 3} : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  %d1, %d2, %d3 = ida.softmax_attention_grad %x, %k, %v, %dy : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>)
  return %y, %s1, %o, %d1, %d2, %d3 : tensor<?x2x8xf32>, tensor<?x2x1x8x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
}

// Graphs may name their buffers with `ida.name` on arguments and results
// (ida-autodiff gives the VJP's cotangents "d<name>").
// CHECK-LABEL: ida.kernel @named_softmax_attn_fwd_0
// CHECK-SAME: args = ["x2", "k2", "v2", "out2"]
// CHECK-LABEL: func.func @named(
// CHECK-SAME: name = "x2", role = "input"
// CHECK-SAME: name = "out2", role = "output"
func.func @named(%x: tensor<?x?x2x8xf32> {ida.name = "x2"}, %k: tensor<?x?x2x8xf32> {ida.name = "k2"},
                 %v: tensor<?x?x2x8xf32> {ida.name = "v2"}) -> (tensor<?x?x2x8xf32> {ida.name = "out2"}) {
  %y = ida.softmax_attention %x, %k, %v : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  return %y : tensor<?x?x2x8xf32>
}

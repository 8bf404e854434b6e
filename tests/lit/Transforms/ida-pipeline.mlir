// --ida-pipeline on every compilable example and preset graph: forward and
// generated _vjp become kernel-level IR (ida.kernel + host functions), which
// re-parses and verifies.
//
// RUN: ida-opt --ida-pipeline %ida_src_root/examples/presets/ida.mlir | FileCheck %s --check-prefix=IDA
// RUN: ida-opt --ida-pipeline %ida_src_root/examples/presets/ssm.mlir | FileCheck %s --check-prefix=SSM
// RUN: ida-opt --ida-pipeline %ida_src_root/examples/presets/mamba2.mlir | FileCheck %s --check-prefix=MAMBA2
// RUN: ida-opt --ida-pipeline %ida_src_root/examples/presets/linear.mlir | FileCheck %s --check-prefix=LINEAR
// RUN: ida-opt --ida-pipeline %ida_src_root/examples/presets/retnet.mlir | FileCheck %s --check-prefix=RETNET
// RUN: ida-opt --ida-pipeline %ida_src_root/examples/presets/softmax.mlir | FileCheck %s --check-prefix=SOFTMAX
// RUN: ida-opt --ida-pipeline %ida_src_root/examples/ida_layer.mlir | FileCheck %s --check-prefix=LAYER
// RUN: ida-opt --ida-pipeline %ida_src_root/examples/hybrid_2layer.mlir 2>&1 | FileCheck %s --check-prefix=HYBRID
// RUN: ida-opt --ida-pipeline="vjp=false strategy=twopass" %ida_src_root/examples/presets/ida.mlir | FileCheck %s --check-prefix=NOVJP
// RUN: ida-opt --ida-pipeline %ida_src_root/examples/hybrid_2layer.mlir 2>/dev/null | ida-opt --verify-each | FileCheck %s --check-prefix=REPARSE

// IDA: ida.kernel @ida_scan_fwd_onepass_0 {args = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "", "", "", "y", "S_T"]
// IDA-SAME: static_params = {D = 64 : i64, F = 64 : i64, Fp = 0 : i64, H = 8 : i64, N = 4 : i64, P = 64 : i64, basis = "softmax", feature = "elu1", has_S0 = false, has_ST = true, in_t = "f32", normalize = false}
// IDA-LABEL: func.func @ida(
// IDA: ida.launch @ida_scan_fwd_onepass_0
// IDA: ida.kernel @ida_vjp_scan_bwd_0 {args = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "", "", "", "dy", "dS_T", "", "dq", "dk", "dv", "ddt", "dg", "", "", "@ws_state", "tmp_ws_param"]
// IDA: ida.kernel @ida_vjp_scan_bwd_param_reduce_0 {args = ["tmp_ws_param", "dA_log", "ddt_bias"]
// IDA-LABEL: func.func @ida_vjp(
// IDA-NEXT: ida.alloc "tmp_ws_param"
// IDA-NEXT: ida.launch @ida_vjp_scan_bwd_0
// IDA-NEXT: ida.launch @ida_vjp_scan_bwd_param_reduce_0

// SSM: ida.kernel @ssm_scan_fwd_onepass_0
// SSM-SAME: N = 4 : i64
// SSM-SAME: basis = "uniform", feature = "identity"
// SSM: func.func @ssm(
// SSM: ida.kernel @ssm_vjp_scan_bwd_0
// SSM: func.func @ssm_vjp(

// MAMBA2: ida.kernel @mamba2_scan_fwd_onepass_0 {args = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "", "", "", "y"]
// MAMBA2-SAME: N = 1 : i64, P = 64 : i64, basis = "uniform", feature = "identity"
// MAMBA2: func.func @mamba2(
// MAMBA2: ida.kernel @mamba2_vjp_scan_bwd_0
// MAMBA2: func.func @mamba2_vjp(

// LINEAR: ida.kernel @linear_scan_fwd_onepass_0
// LINEAR-SAME: basis = "uniform", feature = "elu1"
// LINEAR-SAME: normalize = true
// LINEAR: func.func @linear(
// LINEAR: ida.kernel @linear_vjp_scan_bwd_0
// LINEAR-SAME: workspaces = [{dtype = "f32", name = "ws_state", shape = ["B", "H", "cdiv(T, C) + 1", "cdiv(64, BV)", "64", "min(BV, 64) + 1"]}]
// LINEAR: func.func @linear_vjp(

// RETNET: ida.kernel @retnet_scan_fwd_onepass_0
// RETNET: func.func @retnet(
// RETNET: func.func @retnet_vjp(

// SOFTMAX: ida.kernel @softmax_softmax_attn_fwd_0 {args = ["q", "k", "v", "y"]
// SOFTMAX: func.func @softmax(
// SOFTMAX: ida.kernel @softmax_vjp_softmax_attn_fwd_0 {args = ["q", "k", "v", "tmp_y", "tmp_lse"]
// SOFTMAX: ida.kernel @softmax_vjp_softmax_attn_bwd_0 {args = ["q", "k", "v", "tmp_y", "tmp_lse", "dy", "dq", "dk", "dv"]
// SOFTMAX-LABEL: func.func @softmax_vjp(
// SOFTMAX: ida.launch @softmax_vjp_softmax_attn_fwd_0
// SOFTMAX: ida.launch @softmax_vjp_softmax_attn_bwd_0

// LAYER: ida.kernel @ida_layer_scan_fwd_onepass_0 {args = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "W", "S0", "", "y", "S_T"]
// LAYER-SAME: Fp = 32 : i64
// LAYER-SAME: feature = "hedgehog"
// LAYER-SAME: in_t = "bf16"
// LAYER: ida.kernel @ida_layer_vjp_scan_bwd_0 {args = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "W", "S0", "", "dy", "dS_T", "", "dq", "dk", "dv", "ddt", "dg", "dS0", "", "@ws_state", "tmp_ws_param"]
// LAYER: ida.kernel @ida_layer_vjp_scan_bwd_param_reduce_0 {args = ["tmp_ws_param", "dA_log", "ddt_bias", "dW"]
// LAYER: func.func @ida_layer_vjp(
// LAYER-SAME: {ida.buffer = {dtype = "f32", name = "dW", role = "output", shape = ["H", "32", "64"]}}

// The hybrid: the IDA layer's y is a temporary feeding the softmax layer;
// its VJP recomputes it, runs the softmax backward and feeds its dv to the
// scan backward as dy. The decode function gets its own kernel (and no VJP).
// HYBRID: remark: not differentiated: 'ida.decode_step' has no VJP rule
// HYBRID: ida.kernel @hybrid_2layer_scan_fwd_onepass_0 {args = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "", "", "", "tmp_y", "S_T", "Z_T"]
// HYBRID: ida.kernel @hybrid_2layer_softmax_attn_fwd_1 {args = ["q_1", "k_1", "tmp_y", "y"]
// HYBRID-LABEL: func.func @hybrid_2layer(
// HYBRID: %[[Y1:.*]] = ida.alloc "tmp_y"
// HYBRID: ida.launch @hybrid_2layer_scan_fwd_onepass_0({{.*}}, %[[Y1]], {{.*}})
// HYBRID: ida.launch @hybrid_2layer_softmax_attn_fwd_1({{.*}}, %[[Y1]], {{.*}})
// HYBRID: ida.kernel @hybrid_2layer_vjp_softmax_attn_bwd_1 {args = ["q_1", "k_1", "tmp_y", "tmp_y_1", "tmp_lse", "dy", "dq", "dk", "tmp_dv"]
// HYBRID: ida.kernel @hybrid_2layer_vjp_scan_bwd_2 {args = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "", "", "", "tmp_dv", "dS_T", "dZ_T", "dq_1", "dk_1", "dv", "ddt", "dg", "", "", "@ws_state", "tmp_ws_param"]
// HYBRID-LABEL: func.func @hybrid_2layer_vjp(
// HYBRID: ida.launch @hybrid_2layer_vjp_scan_fwd_onepass_0
// HYBRID: ida.launch @hybrid_2layer_vjp_softmax_attn_fwd_1
// HYBRID: ida.launch @hybrid_2layer_vjp_softmax_attn_bwd_1
// HYBRID: ida.launch @hybrid_2layer_vjp_scan_bwd_2
// HYBRID: ida.launch @hybrid_2layer_vjp_scan_bwd_param_reduce_2
// HYBRID: ida.kernel @hybrid_ida_decode_scan_decode_0 {args = ["q_2", "k_2", "v_1", "dt_1", "g_1", "A_log", "dt_bias", "", "S", "Z", "y_1", "S_new", "Z_new"]
// HYBRID-LABEL: func.func @hybrid_ida_decode(
// HYBRID-NOT: func.func @hybrid_ida_decode_vjp
// HYBRID-LABEL: func.func @hybrid_2layer_static(
// HYBRID-LABEL: func.func @hybrid_2layer_static_vjp(

// NOVJP: template_name = "scan_fwd_twopass"
// NOVJP-NOT: _vjp

// REPARSE-COUNT-15: ida.kernel

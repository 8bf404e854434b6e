// RUN: not ida-translate --ida-to-cpp --split-input-file %s 2>&1 | FileCheck %s

// Kernel ops that codegen cannot instantiate are located errors.

// CHECK: error: 'ida.kernel' op uses kernel template 'scan_fwd_threepass', which codegen does not know (known: scan_fwd_onepass, scan_fwd_twopass, scan_decode, scan_bwd, scan_bwd_param_reduce, softmax_attn_fwd, softmax_attn_bwd)
ida.kernel @k {template_name = "scan_fwd_threepass", origin = "",
    static_params = {D = 64 : i64, H = 8 : i64, P = 64 : i64, in_t = "f32", window = 0 : i64},
    args = ["q", "k", "v", "y"], workspaces = [],
    programs = [{symbol = "k_fwd", program = "SoftmaxAttnFwdProgram",
                 grid = ["cdiv(T, 64)", "H", "B"], threads = "128", smem = "0"}],
    space = {keys = [], configs = [[]]}, default_config = {}}

// -----

// CHECK: error: 'ida.kernel' op program #0 is 'SoftmaxAttnBwdDQProgram', but template 'softmax_attn_fwd' runs 'SoftmaxAttnFwdProgram' there
ida.kernel @k {template_name = "softmax_attn_fwd", origin = "",
    static_params = {D = 64 : i64, H = 8 : i64, P = 64 : i64, in_t = "f32", window = 0 : i64},
    args = ["q", "k", "v", "y"], workspaces = [],
    programs = [{symbol = "k_fwd", program = "SoftmaxAttnBwdDQProgram",
                 grid = ["cdiv(T, 64)", "H", "B"], threads = "128", smem = "0"}],
    space = {keys = [], configs = [[]]}, default_config = {}}

// -----

// CHECK: error: 'ida.kernel' op has 6 args, but template 'softmax_attn_fwd' has 5 buffer slots
ida.kernel @k {template_name = "softmax_attn_fwd", origin = "",
    static_params = {D = 64 : i64, H = 8 : i64, P = 64 : i64, in_t = "f32", window = 0 : i64},
    args = ["q", "k", "v", "y", "lse", "extra"], workspaces = [],
    programs = [{symbol = "k_fwd", program = "SoftmaxAttnFwdProgram",
                 grid = ["cdiv(T, 64)", "H", "B"], threads = "128", smem = "0"}],
    space = {keys = [], configs = [[]]}, default_config = {}}

// -----

// CHECK: error: 'ida.kernel' op static parameter 'window' is missing or not an integer
ida.kernel @k {template_name = "softmax_attn_fwd", origin = "",
    static_params = {D = 64 : i64, H = 8 : i64, P = 64 : i64, in_t = "f32"},
    args = ["q", "k", "v", "y"], workspaces = [],
    programs = [{symbol = "k_fwd", program = "SoftmaxAttnFwdProgram",
                 grid = ["cdiv(T, 64)", "H", "B"], threads = "128", smem = "0"}],
    space = {keys = [], configs = [[]]}, default_config = {}}

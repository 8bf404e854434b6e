// Errors of ida-lower-to-kernels (and of the template analysis it shares
// with ida-plan, which reports first when both run).
// RUN: ida-opt %s --split-input-file --verify-diagnostics --ida-decompose --ida-fuse --ida-plan --ida-lower-to-kernels
// RUN: not ida-opt %s --ida-fuse --ida-lower-to-kernels 2>&1 | FileCheck %s --check-prefix=NOPLAN

// NOPLAN: ida-lower-to-kernels-invalid.mlir:[[@LINE+3]]:8: error: 'ida.fused' op has no plan; run ida-plan before ida-lower-to-kernels

func.func @clean(%x: tensor<?x?x2x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32> {
  %y = ida.softmax_attention %x, %k, %v : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  return %y : tensor<?x?x2x8xf32>
}

// -----

// Residual sums have no kernel template.
func.func @residual(%x: tensor<?x?x2x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32> {
  %y = ida.softmax_attention %x, %k, %v : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  // expected-error @+1 {{'arith.addf' op is not supported by ida-lower-to-kernels: only fused ida groups become kernels}}
  %h = arith.addf %x, %y : tensor<?x?x2x8xf32>
  return %h : tensor<?x?x2x8xf32>
}

// -----

func.func @returns_input(%x: tensor<?x?x2x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>) -> (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) {
  %y = ida.softmax_attention %x, %k, %v : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  // expected-error @+1 {{returns input #0 directly; ida-lower-to-kernels needs every result to be written by a kernel}}
  return %y, %x : tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
}

// -----

// One buffer in two slots of one kernel: the manifest forbids it.
func.func @aliased(%x: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32> {
  // expected-error @+1 {{buffer 'q' would be passed to kernel 'aliased_softmax_attn_fwd_0' twice (again as 'k')}}
  %y = ida.softmax_attention %x, %x, %v : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  return %y : tensor<?x?x2x8xf32>
}

// -----

// Log decays given directly: the templates compute them from dt.
func.func @raw_decays(%q: tensor<?x?x2x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %la: tensor<?x?x2x1xf32>, %be: tensor<?x?x2xf32>, %g: tensor<?x?x2x1xf32>) -> tensor<?x?x2x8xf32> {
  %ga = ida.basis_weights %g {kind = #ida.weights<softmax>} : (tensor<?x?x2x1xf32>) -> tensor<?x?x2x1xf32>
  // expected-error @+1 {{'loga' and 'beta' must come from one ida.discretize in the group}}
  %y = ida.scan %q, %k, %v, %la, %be, %ga : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x1xf32>, tensor<?x?x2xf32>, tensor<?x?x2x1xf32>) -> tensor<?x?x2x8xf32>
  return %y : tensor<?x?x2x8xf32>
}

// -----

// Parameters must be f32 for the kernels.
func.func @bf16_params(%q: tensor<?x?x2x8xbf16>, %k: tensor<?x?x2x8xbf16>, %v: tensor<?x?x2x8xbf16>, %dt: tensor<?x?x2xbf16>, %g: tensor<?x?x2x1xbf16>, %a: tensor<2x1xbf16>, %db: tensor<2xf32>) -> tensor<?x?x2x8xbf16> {
  // expected-error @+1 {{'ida.discretize' op 'A_log' must be f32 for the kernel templates}}
  %y = ida.attention %q, %k, %v, %dt, %g, %a, %db {feature = #ida.feature<elu1>, basis = #ida.basis<1, softmax>}
      : (tensor<?x?x2x8xbf16>, tensor<?x?x2x8xbf16>, tensor<?x?x2x8xbf16>, tensor<?x?x2xbf16>, tensor<?x?x2x1xbf16>, tensor<2x1xbf16>, tensor<2xf32>) -> tensor<?x?x2x8xbf16>
  return %y : tensor<?x?x2x8xbf16>
}

// -----

// q and k through different feature maps: one template applies one phi.
func.func @two_maps(%q: tensor<?x?x2x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %dt: tensor<?x?x2xf32>, %g: tensor<?x?x2x1xf32>, %a: tensor<2x1xf32>, %db: tensor<2xf32>) -> tensor<?x?x2x8xf32> {
  %pq = ida.feature_map %q {feature = #ida.feature<elu1>} : (tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  // expected-error @+1 {{feature maps of q and k must have the same kind and weights to form one kernel}}
  %pk = ida.feature_map %k {feature = #ida.feature<relu>} : (tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  %la, %be = ida.discretize %dt, %a, %db : (tensor<?x?x2xf32>, tensor<2x1xf32>, tensor<2xf32>) -> (tensor<?x?x2x1xf32>, tensor<?x?x2xf32>)
  %ga = ida.basis_weights %g {kind = #ida.weights<softmax>} : (tensor<?x?x2x1xf32>) -> tensor<?x?x2x1xf32>
  %y = ida.scan %pq, %pk, %v, %la, %be, %ga : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x1xf32>, tensor<?x?x2xf32>, tensor<?x?x2x1xf32>) -> tensor<?x?x2x8xf32>
  return %y : tensor<?x?x2x8xf32>
}

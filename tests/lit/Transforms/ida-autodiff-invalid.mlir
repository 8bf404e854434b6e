// Errors of ida-autodiff: ops without a VJP rule, unknown functions, inputs
// that receive no gradient.
// RUN: ida-opt %s --split-input-file --verify-diagnostics --ida-autodiff
// RUN: not ida-opt %s --ida-autodiff="funcs=decode" 2>&1 | FileCheck %s --check-prefix=EXPLICIT
// RUN: not ida-opt %s --ida-autodiff="funcs=missing" 2>&1 | FileCheck %s --check-prefix=MISSING

// By default, functions with an op that has no rule are skipped with a
// remark; when named explicitly, the op gets an error.
// EXPLICIT: ida-autodiff-invalid.mlir:[[@LINE+5]]:{{.*}}: error: 'ida.decode_step' op has no VJP rule (ida-autodiff)
// MISSING: error: ida-autodiff: no function named 'missing'

// expected-remark @+1 {{not differentiated: 'ida.decode_step' has no VJP rule}}
func.func @decode(%q: tensor<?x2x8xf32>, %dt: tensor<?x2xf32>, %g: tensor<?x2x1xf32>, %a: tensor<2x1xf32>, %db: tensor<2xf32>, %s: tensor<?x2x1x8x8xf32>) -> tensor<?x2x8xf32> {
  %y, %s1 = ida.decode_step %q, %q, %q, %dt, %g, %a, %db state(%s) {feature = #ida.feature<identity>, basis = #ida.basis<1, uniform>}
      : (tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2xf32>, tensor<?x2x1xf32>, tensor<2x1xf32>, tensor<2xf32>, tensor<?x2x1x8x8xf32>) -> (tensor<?x2x8xf32>, tensor<?x2x1x8x8xf32>)
  return %y : tensor<?x2x8xf32>
}

// -----

// expected-error @+1 {{argument #1 receives no gradient and has no static shape to build a zero cotangent (ida-autodiff)}}
func.func @unused_input(%x: tensor<?x?x2x8xf32>, %unused: tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32> {
  %y = ida.softmax_attention %x, %x, %x : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32>
  return %y : tensor<?x?x2x8xf32>
}

// Dialect showcase (not compiled by the pipeline): the backward of the scan
// alone, on already feature-mapped operands. The kernel templates take raw
// q, k, dt, g (they fuse the prologue), so a scan_grad whose loga/beta/gamma
// are function arguments has no kernel; ida-autodiff produces the compilable
// form (see examples/ida_layer.mlir and its @ida_layer_vjp).
//
// Check with: ida-opt examples/showcase/scan_grad.mlir

/// Backward of the scan alone: cotangents of phi(q), phi(k), v, loga, beta,
/// gamma and S0 from dy and dS_T (spec §6). The chain rule through the
/// feature maps, discretize and basis_weights is left to the autodiff pass.
func.func @ida_scan_backward(
    %phi_q: tensor<?x?x8x64xf32>, %phi_k: tensor<?x?x8x64xf32>,
    %v: tensor<?x?x8x64xf32>, %loga: tensor<?x?x8x4xf32>,
    %beta: tensor<?x?x8xf32>, %gamma: tensor<?x?x8x4xf32>,
    %S0: tensor<?x8x4x64x64xf32>, %dy: tensor<?x?x8x64xf32>,
    %dS_T: tensor<?x8x4x64x64xf32>)
    -> (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
        tensor<?x?x8x4xf32>, tensor<?x?x8xf32>, tensor<?x?x8x4xf32>,
        tensor<?x8x4x64x64xf32>) {
  %dq, %dk, %dv, %dloga, %dbeta, %dgamma, %dS0 = ida.scan_grad
      %phi_q, %phi_k, %v, %loga, %beta, %gamma, %dy init(%S0)
      final_grad(%dS_T) {chunk = 64}
      : (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
         tensor<?x?x8x4xf32>, tensor<?x?x8xf32>, tensor<?x?x8x4xf32>,
         tensor<?x?x8x64xf32>, tensor<?x8x4x64x64xf32>,
         tensor<?x8x4x64x64xf32>)
      -> (tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
          tensor<?x?x8x4xf32>, tensor<?x?x8xf32>, tensor<?x?x8x4xf32>,
          tensor<?x8x4x64x64xf32>)
  return %dq, %dk, %dv, %dloga, %dbeta, %dgamma, %dS0
      : tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>, tensor<?x?x8x64xf32>,
        tensor<?x?x8x4xf32>, tensor<?x?x8xf32>, tensor<?x?x8x4xf32>,
        tensor<?x8x4x64x64xf32>
}

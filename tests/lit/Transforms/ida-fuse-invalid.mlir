// Errors of ida-fuse.
// RUN: ida-opt %s --split-input-file --verify-diagnostics --ida-fuse

// A result of the backward group is used between the scan_grad and the
// prologue gradients that join its group: the group cannot be placed.
func.func @interleaved(%q: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>,
    %dt: tensor<?x?x4xf32>, %g: tensor<?x?x4x2xf32>, %a: tensor<4x2xf32>, %db: tensor<4xf32>,
    %dy: tensor<?x?x4x16xf32>) -> (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>) {
  %pq = ida.feature_map %q {feature = #ida.feature<elu1>} : (tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  %la, %be = ida.discretize %dt, %a, %db : (tensor<?x?x4xf32>, tensor<4x2xf32>, tensor<4xf32>) -> (tensor<?x?x4x2xf32>, tensor<?x?x4xf32>)
  %ga = ida.basis_weights %g {kind = #ida.weights<softmax>} : (tensor<?x?x4x2xf32>) -> tensor<?x?x4x2xf32>
  %dq, %dk, %dv, %dla, %dbe, %dga = ida.scan_grad %pq, %pq, %v, %la, %be, %ga, %dy
      : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4x16xf32>)
      -> (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x2xf32>, tensor<?x?x4xf32>, tensor<?x?x4x2xf32>)
  // expected-error @+1 {{uses a result of the 'scan_bwd' group before the group's last op; ida-fuse cannot order the group}}
  %r = arith.subf %dv, %dy : tensor<?x?x4x16xf32>
  %dx = ida.feature_map_grad %q, %dq {feature = #ida.feature<elu1>} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  return %r, %dx : tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>
}

//===- IdaInterfaces.td - Op interfaces of ida -------------*- tablegen -*-===//
//
// Interfaces that the compiler's passes use on ida ops.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_DIALECT_IDAINTERFACES_TD
#define IDA_DIALECT_IDAINTERFACES_TD

include "mlir/IR/OpBase.td"

def IDA_GradientOpInterface : OpInterface<"IdaGradientOpInterface"> {
  let cppNamespace = "::mlir::ida";
  let description = [{
    An op that knows its vector-Jacobian product (VJP). The autodiff pass
    asks each op, in reverse order, to emit the IR computing the cotangents
    of its operands from the cotangents of its results.
  }];
  let methods = [
    InterfaceMethod<[{
        Emits, at the builder's insertion point, the VJP of this op.
        `cotangents` holds one value per result of the op, or a null Value
        for a result that receives no gradient. On success, `gradients`
        receives one value per operand (null where the operand gets no
        gradient, e.g. integer or non-differentiable operands). Returns
        failure when the op has no VJP rule yet.
      }],
      "::mlir::LogicalResult", "buildVjp",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ValueRange":$cotangents,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$gradients),
      /*methodBody=*/"",
      /*defaultImplementation=*/[{
        return ::mlir::failure();
      }]>
  ];
}

#endif // IDA_DIALECT_IDAINTERFACES_TD

//===- IdaOps.h - Operations of the ida dialect -----------------*- C++ -*-===//
//
// Declares the ops of the `ida` dialect (generated from IdaOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef IDA_DIALECT_IDAOPS_H
#define IDA_DIALECT_IDAOPS_H

#include "dialect/IdaDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/IdaOps.h.inc"

#endif // IDA_DIALECT_IDAOPS_H

//===- tests/unit/templates/TemplateIncludes.h - templates, CPU target ----===//
//
// Includes the template texts in the order codegen concatenates them
// (docs/templates.md, "Concatenation order"), so tests compile exactly the
// code the runtime will compile.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TESTS_UNIT_TEMPLATES_TEMPLATEINCLUDES_H
#define IDA_TESTS_UNIT_TEMPLATES_TEMPLATEINCLUDES_H

#include "templates/common/ida_abi.h"
#include "templates/tile/cpu/tile_cpu.h"
#include "templates/kernels/scan_params.h"
#include "templates/kernels/scan_prologue.h"
#include "templates/kernels/scan_chunk.h"
#include "templates/kernels/scan_fwd_onepass.h"
#include "templates/kernels/scan_fwd_twopass.h"
#include "templates/kernels/scan_decode.h"
#include "templates/kernels/scan_prologue_bwd.h"
#include "templates/kernels/scan_bwd.h"
#include "templates/kernels/softmax_attn_fwd.h"
#include "templates/kernels/softmax_attn_bwd.h"

#endif // IDA_TESTS_UNIT_TEMPLATES_TEMPLATEINCLUDES_H

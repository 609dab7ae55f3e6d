/* The callbacks the operator table names (ops.def columns ATTRS, CHECK and
 * MACS), internal to src/ir: attribute decoders in attrs.c, operand checks in
 * operands.c, MAC counts in graph.c. op_table.c binds them to their rows. */
#ifndef TMC_IR_OP_IMPL_H
#define TMC_IR_OP_IMPL_H

#include "op_table.h"
#include "reader/tflite.h"

/* The prototypes of every callback ops.def names: ATTRS decoders (attrs.c),
 * CHECK operand checks (operands.c), MACS counts (graph.c). Families shared
 * by several rows are declared once per row (identical declarations). The
 * "none" token's prototypes are declared here but never defined: below it
 * becomes NULL. */
#define TMC_OP(kind, code, opts, imin, imax, omin, omax, params, optional, flags, attrs,   \
               check, macs, fold, lower)                                                   \
  tmc_status tmc_ir_attrs_##attrs(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);      \
  tmc_status tmc_ir_check_##check(const tmc_graph *g, tmc_op *op, tmc_diag *d);           \
  int64_t tmc_ir_macs_##macs(const tmc_graph *g, const tmc_op *op);
#include "ops.def"
#undef TMC_OP

/* The "none" token of the ATTRS and MACS columns. CHECK has no "none": every
 * kind infers its output shapes (a row that says none fails to link,
 * tmc_ir_check_none being declared above and defined nowhere). */
#define tmc_ir_attrs_none NULL
#define tmc_ir_macs_none NULL

#endif

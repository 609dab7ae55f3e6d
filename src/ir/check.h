/* Per-kind operator checks of the IR builder, driven by the operator table
 * (ops.def, op_table.h): options -> typed parameters (attrs.c; invalid
 * values are model errors), operand ranks, shapes and types (operands.c;
 * model errors when TFLite itself would refuse them, an "unsupported" mark
 * with a reason when the model is valid but tmc cannot compile it). */
#ifndef TMC_IR_CHECK_H
#define TMC_IR_CHECK_H

#include "graph.h"
#include "reader/tflite.h"

tmc_status tmc_ir_set_attrs(const tmc_graph *g, tmc_op *op, const tmc_tfl_options *o,
                             tmc_arena *a, tmc_diag *d);

/* Runs once every op and tensor is built (producers known). */
tmc_status tmc_ir_check_op(const tmc_graph *g, tmc_op *op, tmc_arena *a, tmc_diag *d);

#endif

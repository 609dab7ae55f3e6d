/* The callbacks the operator table names (ops.def columns ATTRS, CHECK and
 * MACS), internal to src/ir: attribute decoders in attrs.c, operand checks in
 * operands.c, MAC counts in graph.c. op_table.c binds them to their rows. */
#ifndef TMC_IR_OP_IMPL_H
#define TMC_IR_OP_IMPL_H

#include "op_table.h"
#include "reader/tflite.h"

/* ATTRS: one decoder per family (attrs.c). */
tmc_status tmc_ir_attrs_conv(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_pool(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_fc(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_binary(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_concatenation(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_split(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_pack(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_unpack(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_softmax(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_leaky_relu(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_mean(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_resize(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_squeeze(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_strided_slice(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);
tmc_status tmc_ir_attrs_gather(tmc_op *op, const tmc_tfl_options *o, tmc_diag *d);

/* CHECK: operand ranks and shapes (operands.c). */
tmc_status tmc_ir_check_conv(const tmc_graph *g, tmc_op *op, tmc_diag *d);
tmc_status tmc_ir_check_pool(const tmc_graph *g, tmc_op *op, tmc_diag *d);
tmc_status tmc_ir_check_fc(const tmc_graph *g, tmc_op *op, tmc_diag *d);

/* MACS (graph.c). */
int64_t tmc_ir_macs_conv(const tmc_graph *g, const tmc_op *op);
int64_t tmc_ir_macs_fc(const tmc_graph *g, const tmc_op *op);
int64_t tmc_ir_macs_transpose_conv(const tmc_graph *g, const tmc_op *op);

/* The "none" token of those columns. */
#define tmc_ir_attrs_none NULL
#define tmc_ir_check_none NULL
#define tmc_ir_macs_none NULL

#endif

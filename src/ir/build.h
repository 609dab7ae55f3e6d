/* Building the graph IR from a model the reader decoded. */
#ifndef TMC_IR_BUILD_H
#define TMC_IR_BUILD_H

#include "graph.h"
#include "reader/tflite.h"

/* Builds the IR of subgraph 0 of m; every structural error (tensor index out
 * of range, absurd shape, quantization that does not fit its tensor, options
 * of the wrong kind, wrong input counts or ranks) fails with a message naming
 * the op and tensor. Operators tmc cannot compile are kept, marked with a
 * reason (tmc_graph_check_supported lists them). model_name prefixes
 * messages through d->subject, and is stored in the graph. */
tmc_status tmc_graph_from_tflite(const tmc_tfl_model *m, const char *model_name,
                                 tmc_arena *arena, tmc_graph *g, tmc_diag *d);

/* Runs op's shape checks again when a parameter input it could not read at
 * build time (computed by operators the folding pass evaluates) is now a
 * constant: the folding pass calls it before evaluating an op and, for the
 * ops it leaves, once it is done. May mark op unsupported. */
tmc_status tmc_ir_recheck(const tmc_graph *g, tmc_op *op, tmc_diag *d);

/* Reads and builds in one step (bytes must outlive the graph). */
tmc_status tmc_graph_load(const uint8_t *bytes, size_t len, const char *model_name,
                          tmc_arena *arena, tmc_graph *g, tmc_diag *d);

#endif

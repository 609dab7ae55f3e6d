/* Graph passes: each rewrites the IR in place and keeps outputs bit-exact. */
#ifndef TMC_PASSES_PASSES_H
#define TMC_PASSES_PASSES_H

#include "ir/graph.h"

/* Evaluates at compile time every operator whose inputs are all constants
 * and whose kind only moves or computes integers (the kinds with a FOLD
 * evaluator in ir/ops.def: SHAPE, RESHAPE, SQUEEZE, CONCATENATION, PACK,
 * UNPACK, GATHER, STRIDED_SLICE, TRANSPOSE): the SHAPE -> STRIDED_SLICE ->
 * PACK chains Keras puts before a RESHAPE. Folded ops get op->folded; their
 * outputs become constants held in the arena. */
tmc_status tmc_pass_fold_constants(tmc_graph *g, tmc_arena *a, tmc_diag *d);

/* Whether tmc_pass_fold_constants has an evaluator for kind (true exactly for
 * the kinds whose ops.def FOLD column is not none). */
bool tmc_pass_fold_evaluates(tmc_op_kind kind);

/* --io int8: the model takes and returns int8 tensors. Each graph input
 * read only by a QUANTIZE (float -> int8) is replaced by that QUANTIZE's
 * output; each graph output computed from an int8 tensor by DEQUANTIZE (and
 * float ops after it, such as a LOG_SOFTMAX) is replaced by that int8
 * tensor. The dropped ops get op->removed. Inputs or outputs that are int8
 * already stay; others are an error naming them. */
tmc_status tmc_pass_io_int8(tmc_graph *g, tmc_diag *d);

/* Folds a PAD/PADV2 into the CONV_2D or DEPTHWISE_CONV_2D that alone reads
 * it, as explicit per-side padding, when that is exact: only H and W are
 * padded, the pad value equals the input zero point (so the convolution's
 * out-of-bounds taps, which contribute nothing, give the same sums) and the
 * quantization is unchanged. The PAD gets op->removed and its output is
 * never materialised. Pooling is left alone: TFLite's pooling ignores
 * out-of-bounds taps while an explicit PAD's values count. */
tmc_status tmc_pass_fold_pad(tmc_graph *g, tmc_diag *d);

#endif

/* Lowering internals (plan stage): the lowerer's state, the checks and
 * conversions every family shares, and one function per operator family
 * (lower_conv.c, lower_elementwise.c, lower_layout.c), named by the LOWER
 * column of the operator table. */
#ifndef TMC_PLAN_LOWER_H
#define TMC_PLAN_LOWER_H

#include "ir/op_table.h"
#include "kernel_desc.h"
#include "plan.h"

typedef struct tmc_lowerer {
  const tmc_graph *g;
  tmc_arena *a;
  tmc_diag *d;
  tmc_target target; /* which kernel variants may be chosen */
  bool plain_op;     /* the op being lowered takes the portable kernel with the
                      * weights and bias as given (tmc_plan_lower_plain) */
} tmc_lowerer;

/* "op 4 CONV_2D: <what>" with code TMC_ERR_MODEL (tmc_lower_fail: a model
 * TFLite itself refuses) or TMC_ERR_UNSUPPORTED (tmc_lower_unsupported:
 * valid, but tmc cannot compile it). */
tmc_status tmc_lower_report(tmc_lowerer *l, tmc_status code, const tmc_op *op,
                            const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
#define tmc_lower_fail(l, op, ...) tmc_lower_report(l, TMC_ERR_MODEL, op, __VA_ARGS__)
#define tmc_lower_unsupported(l, op, ...) \
  tmc_lower_report(l, TMC_ERR_UNSUPPORTED, op, __VA_ARGS__)

/* n elements of size bytes in the compile arena (zeroed); NULL with
 * TMC_ERR_NOMEM reported. */
void *tmc_lower_alloc(tmc_lowerer *l, size_t n, size_t size);
/* A table a params pointer field will point to: allocated and recorded in
 * the step (tmc_step_add_array) so the code generator can print it. */
void *tmc_lower_table(tmc_lowerer *l, tmc_step *st, size_t n, size_t size);

/* The last four dims of t, right-aligned, 1 for missing ones. */
tmc_dims4 tmc_lower_dims4(const tmc_tensor *t);
float tmc_lower_scale(const tmc_tensor *t);
int32_t tmc_lower_zp(const tmc_tensor *t);
/* An int8 (int16) tensor has per-tensor quantization with an int8 (int16)
 * zero point. */
tmc_status tmc_lower_need_quant(tmc_lowerer *l, const tmc_op *op, const tmc_tensor *t,
                                const char *role);
/* Every data input and output of op has input 0's element type (the IR
 * admits int8 or int16 for each on its own); unsupported, naming the first
 * tensor that differs, otherwise. */
tmc_status tmc_lower_same_types(tmc_lowerer *l, const tmc_op *op);
/* An int16 tensor has zero point 0 (16x8); other types pass. */
tmc_status tmc_lower_zero_zp(tmc_lowerer *l, const tmc_op *op, const tmc_tensor *t,
                             const char *role);
/* Input and output share scale and zero point. */
bool tmc_lower_same_quant(const tmc_tensor *a, const tmc_tensor *b);
/* The int8 (int16 for an int16 y) clamp of a fused activation;
 * unsupported beyond RELU6. */
tmc_status tmc_lower_act_range(tmc_lowerer *l, const tmc_op *op, tmc_act act,
                               const tmc_tensor *y, int32_t *lo, int32_t *hi);
/* An int32 constant decoded little-endian (the model's bytes may be
 * unaligned for int32 loads). */
const int32_t *tmc_lower_const_i32(tmc_lowerer *l, const tmc_tensor *t);

typedef tmc_status (*tmc_lower_fn)(tmc_lowerer *l, const tmc_op *op, tmc_step *st);

/* One function per LOWER token of ops.def (ir/op_table.h's TMC_OP_LOWERS):
 * tmc_lower_<token>, in lower_conv.c (conv, transpose_conv, fc, pool),
 * lower_elementwise.c (binary, unary), lower_layout.c (mean, pad, parts,
 * resize, transpose, strided_slice, space_depth) and lower.c (none, view). */
/* lower_conv.c's per-channel multipliers and shifts of a conv-like op
 * (channels entries, tables of the step), shared with lower_conv16.c. */
tmc_status conv_quant(tmc_lowerer *l, const tmc_op *op, tmc_step *st,
                      const tmc_tensor *x, const tmc_tensor *w, const tmc_tensor *y,
                      int32_t channels, const int32_t **mult, const int32_t **shift);

/* lower_conv16.c: the int16 (16x8) forms, which lower_conv.c's functions
 * of the same operators hand int16 layers to once the window is checked
 * and set (CONV_2D, DEPTHWISE_CONV_2D: st->win; TRANSPOSE_CONV: the
 * int8 params' pads and strides; the pools: their params). */
tmc_status tmc_lower_conv_s16(tmc_lowerer *l, const tmc_op *op, tmc_step *st);
tmc_status tmc_lower_transpose_conv_s16(tmc_lowerer *l, const tmc_op *op, tmc_step *st);
tmc_status tmc_lower_fc_s16(tmc_lowerer *l, const tmc_op *op, tmc_step *st);
tmc_status tmc_lower_pool_s16(tmc_lowerer *l, const tmc_op *op, tmc_step *st);

#define TMC_LOWER_DECL(t) \
  tmc_status tmc_lower_##t(tmc_lowerer *l, const tmc_op *op, tmc_step *st);
TMC_OP_LOWERS(TMC_LOWER_DECL)
#undef TMC_LOWER_DECL

#endif

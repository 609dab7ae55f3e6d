/* Overlap rules at their limit (src/plan/overlap.c). For single-op int8
 * fixtures of every kernel with a rule (ADD, SUB, MUL, MAXIMUM, MINIMUM,
 * RELU, RELU6, LEAKY_RELU, QUANTIZE int8->int8, LOGISTIC, TANH, HARD_SWISH,
 * SOFTMAX, AVERAGE_POOL_2D, MAX_POOL_2D over strides, paddings, filters and
 * batches) and of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (tested
 * generically: when tmc_overlap_delta gives delta >= 0 for them the same
 * checks run; -1 is reported and skipped), for each (dying input k,
 * output 0) pair with delta = tmc_overlap_delta(plan, 0, k, 0) >= 0:
 *  1. the step is run by the host runner (tmc_host_invoke) twice on random
 *     input: every buffer apart, and with the output exactly delta bytes
 *     below input k inside one region sized to their union, at the very end
 *     of a malloc of exactly the layout's size, other buffers (inputs,
 *     scratch) before it behind ASan-poisoned gaps: outputs must be
 *     byte-identical, with no ASan report;
 *  2. the validator accepts the pair at the smallest aligned distance
 *     (delta rounded up to TMC_PLAN_ALIGN) and rejects it one alignment unit
 *     (4 bytes) closer, naming the overlap rule. (Offsets must be multiples
 *     of 4, so "one byte closer" is not a placement the validator can see;
 *     the kernel is run one byte closer instead, and whether the output then
 *     changes is reported: "tight" when the rule is exact.)
 * For a pair without a rule (-1), the validator must reject any shared byte.
 * Every fixture's own best plan is also validated and run against the
 * separate layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures/op_fixtures.h"
#include "plan_test_util.h"

enum { K_UNARY, K_BINARY, K_POOL, K_CONV, K_DW, K_FC, K_FLOAT };

typedef struct spec {
  const char *name;
  int kind;
  int32_t code;
  int32_t rank, shape[4];   /* input (input 0 of binary) */
  int32_t rank2, shape2[4]; /* binary: input 1 */
  float out_scale;          /* unary/binary output quantization */
  int32_t out_zp;
  int32_t act;
  /* pool: filter, strides; conv: k x k filter, stride, dilation, out_c */
  int32_t f_h, f_w, s_h, s_w, padding, dilation, out_c;
} spec;

#define SH4(a, b, c, d) 4, {a, b, c, d}
#define SH2(a, b) 2, {a, b, 0, 0}

static const spec specs[] = {
    /* element-wise, 105 elements (odd, not a multiple of any vector width) and 1024 */
    {"RELU 1x5x7x3", K_UNARY, TMC_TFL_OP_RELU, SH4(1, 5, 7, 3), 0, {0}, 0.03f, -128, 0, 0, 0, 0, 0, 0, 0, 0},
    {"RELU 1x8x8x16", K_UNARY, TMC_TFL_OP_RELU, SH4(1, 8, 8, 16), 0, {0}, 0.07f, -128, 0, 0, 0, 0, 0, 0, 0, 0},
    {"RELU6 1x5x7x3", K_UNARY, TMC_TFL_OP_RELU6, SH4(1, 5, 7, 3), 0, {0}, 0.05f, -6, 0, 0, 0, 0, 0, 0, 0, 0},
    {"LEAKY_RELU 1x5x7x3", K_UNARY, TMC_TFL_OP_LEAKY_RELU, SH4(1, 5, 7, 3), 0, {0}, 0.04f, -10, 0, 0, 0, 0, 0, 0, 0, 0},
    {"QUANTIZE s8->s8 1x5x7x3", K_UNARY, TMC_TFL_OP_QUANTIZE, SH4(1, 5, 7, 3), 0, {0}, 0.03f, -100, 0, 0, 0, 0, 0, 0, 0, 0},
    {"QUANTIZE s8->s8 1x8x8x16", K_UNARY, TMC_TFL_OP_QUANTIZE, SH4(1, 8, 8, 16), 0, {0}, 0.11f, 7, 0, 0, 0, 0, 0, 0, 0, 0},
    {"LOGISTIC 1x5x7x3", K_UNARY, TMC_TFL_OP_LOGISTIC, SH4(1, 5, 7, 3), 0, {0}, 1.0f / 256, -128, 0, 0, 0, 0, 0, 0, 0, 0},
    {"TANH 1x5x7x3", K_UNARY, TMC_TFL_OP_TANH, SH4(1, 5, 7, 3), 0, {0}, 1.0f / 128, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {"HARD_SWISH 1x5x7x3", K_UNARY, TMC_TFL_OP_HARD_SWISH, SH4(1, 5, 7, 3), 0, {0}, 0.03f, -50, 0, 0, 0, 0, 0, 0, 0, 0},
    {"HARD_SWISH 1x8x8x16", K_UNARY, TMC_TFL_OP_HARD_SWISH, SH4(1, 8, 8, 16), 0, {0}, 0.02f, -90, 0, 0, 0, 0, 0, 0, 0, 0},
    {"SOFTMAX 3x37", K_UNARY, TMC_TFL_OP_SOFTMAX, SH2(3, 37), 0, {0}, 1.0f / 256, -128, 0, 0, 0, 0, 0, 0, 0, 0},
    {"SOFTMAX 1x1000", K_UNARY, TMC_TFL_OP_SOFTMAX, SH2(1, 1000), 0, {0}, 1.0f / 256, -128, 0, 0, 0, 0, 0, 0, 0, 0},
    /* float edges: SOFTMAX f32 in place; QUANTIZE/DEQUANTIZE change the element size (no rule) */
    {"SOFTMAX f32 3x37", K_FLOAT, TMC_TFL_OP_SOFTMAX, SH2(3, 37), 0, {0}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {"QUANTIZE f32->s8 1x5x7x3", K_FLOAT, TMC_TFL_OP_QUANTIZE, SH4(1, 5, 7, 3), 0, {0}, 0.05f, 3, 0, 0, 0, 0, 0, 0, 0, 0},
    {"DEQUANTIZE s8->f32 1x5x7x3", K_FLOAT, TMC_TFL_OP_DEQUANTIZE, SH4(1, 5, 7, 3), 0, {0}, 0.05f, 3, 0, 0, 0, 0, 0, 0, 0, 0},
    /* binary, same shapes and broadcast (the broadcast operand has no rule) */
    {"ADD 1x4x5x7", K_BINARY, TMC_TFL_OP_ADD, SH4(1, 4, 5, 7), SH4(1, 4, 5, 7), 0.06f, -3, TMC_TFL_ACT_NONE, 0, 0, 0, 0, 0, 0, 0},
    {"ADD relu6 1x8x8x16", K_BINARY, TMC_TFL_OP_ADD, SH4(1, 8, 8, 16), SH4(1, 8, 8, 16), 0.05f, -128, TMC_TFL_ACT_RELU6, 0, 0, 0, 0, 0, 0, 0},
    {"ADD bcast b 1x4x5x8+1x1x1x8", K_BINARY, TMC_TFL_OP_ADD, SH4(1, 4, 5, 8), SH4(1, 1, 1, 8), 0.06f, 2, TMC_TFL_ACT_NONE, 0, 0, 0, 0, 0, 0, 0},
    {"ADD bcast a 1x1x5x8+1x4x5x8", K_BINARY, TMC_TFL_OP_ADD, SH4(1, 1, 5, 8), SH4(1, 4, 5, 8), 0.06f, 2, TMC_TFL_ACT_NONE, 0, 0, 0, 0, 0, 0, 0},
    {"SUB 1x4x5x7", K_BINARY, TMC_TFL_OP_SUB, SH4(1, 4, 5, 7), SH4(1, 4, 5, 7), 0.06f, 1, TMC_TFL_ACT_NONE, 0, 0, 0, 0, 0, 0, 0},
    {"MUL 1x4x5x7", K_BINARY, TMC_TFL_OP_MUL, SH4(1, 4, 5, 7), SH4(1, 4, 5, 7), 0.01f, -5, TMC_TFL_ACT_NONE, 0, 0, 0, 0, 0, 0, 0},
    {"MUL bcast b 1x6x6x16+1x1x1x16", K_BINARY, TMC_TFL_OP_MUL, SH4(1, 6, 6, 16), SH4(1, 1, 1, 16), 0.01f, -5, TMC_TFL_ACT_NONE, 0, 0, 0, 0, 0, 0, 0},
    {"MUL bcast a 1x1x1x16+1x6x6x16", K_BINARY, TMC_TFL_OP_MUL, SH4(1, 1, 1, 16), SH4(1, 6, 6, 16), 0.01f, -5, TMC_TFL_ACT_RELU, 0, 0, 0, 0, 0, 0, 0},
    {"MAXIMUM 1x4x5x7", K_BINARY, TMC_TFL_OP_MAXIMUM, SH4(1, 4, 5, 7), SH4(1, 4, 5, 7), 0.05f, 0, TMC_TFL_ACT_NONE, 0, 0, 0, 0, 0, 0, 0},
    {"MINIMUM 1x4x5x7", K_BINARY, TMC_TFL_OP_MINIMUM, SH4(1, 4, 5, 7), SH4(1, 4, 5, 7), 0.05f, 0, TMC_TFL_ACT_NONE, 0, 0, 0, 0, 0, 0, 0},
    /* pooling: filter h x w, stride h, w, padding */
#define POOL(nm, code, n, h, w, c, fh, fw, sh, sw, pad) \
  {nm, K_POOL, code, SH4(n, h, w, c), 0, {0}, 0, 0, 0, fh, fw, sh, sw, pad, 1, 0}
    POOL("MAX_POOL 2x2/2 VALID 1x16x16x8", TMC_TFL_OP_MAX_POOL_2D, 1, 16, 16, 8, 2, 2, 2, 2, TMC_TFL_PAD_VALID),
    POOL("MAX_POOL 2x2/2 VALID 1x9x7x3", TMC_TFL_OP_MAX_POOL_2D, 1, 9, 7, 3, 2, 2, 2, 2, TMC_TFL_PAD_VALID),
    POOL("MAX_POOL 2x2/2 SAME 1x9x7x3", TMC_TFL_OP_MAX_POOL_2D, 1, 9, 7, 3, 2, 2, 2, 2, TMC_TFL_PAD_SAME),
    POOL("MAX_POOL 3x3/1 SAME 1x9x7x3", TMC_TFL_OP_MAX_POOL_2D, 1, 9, 7, 3, 3, 3, 1, 1, TMC_TFL_PAD_SAME),
    POOL("MAX_POOL 3x3/2 SAME 1x9x7x3", TMC_TFL_OP_MAX_POOL_2D, 1, 9, 7, 3, 3, 3, 2, 2, TMC_TFL_PAD_SAME),
    POOL("MAX_POOL 3x3/2 VALID 2x9x9x4", TMC_TFL_OP_MAX_POOL_2D, 2, 9, 9, 4, 3, 3, 2, 2, TMC_TFL_PAD_VALID),
    POOL("MAX_POOL 5x5/1 SAME 1x8x8x2", TMC_TFL_OP_MAX_POOL_2D, 1, 8, 8, 2, 5, 5, 1, 1, TMC_TFL_PAD_SAME),
    POOL("MAX_POOL 1x1/1 VALID 1x6x6x5", TMC_TFL_OP_MAX_POOL_2D, 1, 6, 6, 5, 1, 1, 1, 1, TMC_TFL_PAD_VALID),
    POOL("MAX_POOL 3x1/(2,1) SAME 1x10x6x4", TMC_TFL_OP_MAX_POOL_2D, 1, 10, 6, 4, 3, 1, 2, 1, TMC_TFL_PAD_SAME),
    POOL("AVG_POOL 2x2/2 VALID 1x16x16x8", TMC_TFL_OP_AVERAGE_POOL_2D, 1, 16, 16, 8, 2, 2, 2, 2, TMC_TFL_PAD_VALID),
    POOL("AVG_POOL 3x3/1 SAME 1x8x8x4", TMC_TFL_OP_AVERAGE_POOL_2D, 1, 8, 8, 4, 3, 3, 1, 1, TMC_TFL_PAD_SAME),
    POOL("AVG_POOL 3x3/1 VALID 1x9x7x3", TMC_TFL_OP_AVERAGE_POOL_2D, 1, 9, 7, 3, 3, 3, 1, 1, TMC_TFL_PAD_VALID),
    POOL("AVG_POOL 3x3/3 SAME 1x10x10x3", TMC_TFL_OP_AVERAGE_POOL_2D, 1, 10, 10, 3, 3, 3, 3, 3, TMC_TFL_PAD_SAME),
    POOL("AVG_POOL 4x4/3 SAME 2x11x9x3", TMC_TFL_OP_AVERAGE_POOL_2D, 2, 11, 9, 3, 4, 4, 3, 3, TMC_TFL_PAD_SAME),
    POOL("AVG_POOL 5x5/2 SAME 1x9x9x6", TMC_TFL_OP_AVERAGE_POOL_2D, 1, 9, 9, 6, 5, 5, 2, 2, TMC_TFL_PAD_SAME),
    POOL("AVG_POOL 2x3/(1,2) SAME 1x7x9x5", TMC_TFL_OP_AVERAGE_POOL_2D, 1, 7, 9, 5, 2, 3, 1, 2, TMC_TFL_PAD_SAME),
    POOL("AVG_POOL global 7x7 VALID 1x7x7x32", TMC_TFL_OP_AVERAGE_POOL_2D, 1, 7, 7, 32, 7, 7, 1, 1, TMC_TFL_PAD_VALID),
    /* the DSP targets' kernels (a name starting "DSP ": planned for
     * cortex-m7): AVERAGE_POOL_2D 4 channels a word, ADD's tables */
    POOL("DSP AVG_POOL 3x3/1 SAME 1x8x8x8", TMC_TFL_OP_AVERAGE_POOL_2D, 1, 8, 8, 8, 3, 3, 1, 1, TMC_TFL_PAD_SAME),
    POOL("DSP AVG_POOL 2x2/2 VALID 1x16x16x4", TMC_TFL_OP_AVERAGE_POOL_2D, 1, 16, 16, 4, 2, 2, 2, 2, TMC_TFL_PAD_VALID),
    POOL("DSP AVG_POOL global 7x7 VALID 1x7x7x32", TMC_TFL_OP_AVERAGE_POOL_2D, 1, 7, 7, 32, 7, 7, 1, 1, TMC_TFL_PAD_VALID),
    {"DSP ADD 1x32x32x8", K_BINARY, TMC_TFL_OP_ADD, SH4(1, 32, 32, 8), SH4(1, 32, 32, 8), 0.06f, -3, TMC_TFL_ACT_NONE, 0, 0, 0, 0, 0, 0, 0},
    {"DSP ADD bcast b 1x32x32x8+1x1x1x8", K_BINARY, TMC_TFL_OP_ADD, SH4(1, 32, 32, 8), SH4(1, 1, 1, 8), 0.06f, 2, TMC_TFL_ACT_RELU, 0, 0, 0, 0, 0, 0, 0},
#undef POOL
    /* convolutions: k, stride, dilation, out channels */
#define CONV(nm, kind, n, h, w, c, k, s, dil, pad, oc) \
  {nm, kind, 0, SH4(n, h, w, c), 0, {0}, 0.04f, -7, TMC_TFL_ACT_NONE, k, k, s, s, pad, dil, oc}
    CONV("CONV 1x1 16->16 1x8x8x16", K_CONV, 1, 8, 8, 16, 1, 1, 1, TMC_TFL_PAD_VALID, 16),
    CONV("CONV 1x1 8->48 1x10x10x8", K_CONV, 1, 10, 10, 8, 1, 1, 1, TMC_TFL_PAD_VALID, 48),
    CONV("CONV 1x1 32->8 1x6x6x32", K_CONV, 1, 6, 6, 32, 1, 1, 1, TMC_TFL_PAD_VALID, 8),
    CONV("CONV 1x1/2 8->8 1x9x9x8", K_CONV, 1, 9, 9, 8, 1, 2, 1, TMC_TFL_PAD_SAME, 8),
    CONV("CONV 3x3/1 SAME 8->8 1x9x9x8", K_CONV, 1, 9, 9, 8, 3, 1, 1, TMC_TFL_PAD_SAME, 8),
    CONV("CONV 3x3/2 SAME 3->16 1x12x12x3", K_CONV, 1, 12, 12, 3, 3, 2, 1, TMC_TFL_PAD_SAME, 16),
    CONV("CONV 3x3/1 VALID 4->4 2x7x7x4", K_CONV, 2, 7, 7, 4, 3, 1, 1, TMC_TFL_PAD_VALID, 4),
    CONV("CONV 3x3/1 dil2 SAME 4->6 1x9x9x4", K_CONV, 1, 9, 9, 4, 3, 1, 2, TMC_TFL_PAD_SAME, 6),
    CONV("CONV 5x5/2 SAME 4->4 1x11x11x4", K_CONV, 1, 11, 11, 4, 5, 2, 1, TMC_TFL_PAD_SAME, 4),
    CONV("DW 3x3/1 SAME 1x9x9x8", K_DW, 1, 9, 9, 8, 3, 1, 1, TMC_TFL_PAD_SAME, 8),
    CONV("DW 3x3/2 SAME 1x10x10x8", K_DW, 1, 10, 10, 8, 3, 2, 1, TMC_TFL_PAD_SAME, 8),
    CONV("DW 3x3/1 VALID 2x7x7x5", K_DW, 2, 7, 7, 5, 3, 1, 1, TMC_TFL_PAD_VALID, 5),
    CONV("DW 3x3/1 SAME x2 1x8x8x4", K_DW, 1, 8, 8, 4, 3, 1, 1, TMC_TFL_PAD_SAME, 8),
    CONV("DW 5x5/1 SAME 1x9x9x6", K_DW, 1, 9, 9, 6, 5, 1, 1, TMC_TFL_PAD_SAME, 6),
    CONV("DW 3x3/1 dil2 SAME 1x9x9x4", K_DW, 1, 9, 9, 4, 3, 1, 2, TMC_TFL_PAD_SAME, 4),
    CONV("DW 9x9/1 SAME (plain) 1x12x12x4", K_DW, 1, 12, 12, 4, 9, 1, 1, TMC_TFL_PAD_SAME, 4),
#undef CONV
    /* fully connected: [batch, in] -> [batch, out] (out in out_c) */
    {"FC 16->8", K_FC, 0, SH2(1, 16), 0, {0}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8},
    {"FC 4x32->16", K_FC, 0, SH2(4, 32), 0, {0}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16},
    {"FC 64->128", K_FC, 0, SH2(1, 64), 0, {0}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 128},
    {"FC 2x8->32", K_FC, 0, SH2(2, 8), 0, {0}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32},
};

#define N_SPECS (sizeof specs / sizeof specs[0])

/* What each pair showed, for the summary printed at the end. */
typedef struct result {
  int ran;
  int n_pairs;
  struct {
    int in_k;
    int64_t delta;
    int tight; /* 1: one byte closer changes the output; 0: it does not */
  } pair[2];
} result;

static result results[N_SPECS];

typedef struct ctx {
  size_t index;
  tmc_arena arena;
  pt_built built;
  uint8_t *in[PT_MAX_IO], *want[PT_MAX_IO], *got[PT_MAX_IO];
  pt_layout saved;
} ctx;

static int setup(void **state) {
  ctx *c = calloc(1, sizeof *c);
  if (c == NULL) return -1;
  c->index = (size_t)((const spec *)*state - specs);
  tmc_arena_init(&c->arena);
  *state = c;
  return 0;
}

static void free_outputs(uint8_t **v) {
  for (int k = 0; k < PT_MAX_IO; k++) {
    free(v[k]);
    v[k] = NULL;
  }
}

static int teardown(void **state) {
  ctx *c = *state;
  free_outputs(c->in);
  free_outputs(c->want);
  free_outputs(c->got);
  pt_layout_free(&c->saved);
  tmc_arena_free(&c->arena);
  free(c);
  return 0;
}

static tmc_tfl_model *build_spec(tmc_arena *a, const spec *sp) {
  tmc_mb b;
  tmc_mb_rng rng = {(uint32_t)(sp->shape[1] * 131 + sp->shape[3] * 7 + sp->out_c)};
  tmc_diag d;
  tmc_diag_init(&d, sp->name);
  const float in_scale = 0.05f;
  const int32_t in_zp = -9;
  if (sp->kind == K_FC) {
    tmc_fx_fc f;
    tmc_fx_fc_defaults(&f);
    f.batch = sp->shape[0];
    f.in = sp->shape[1];
    f.out = sp->out_c;
    f.per_channel = sp->out_c % 2 == 0;
    tmc_tfl_model *m = NULL;
    if (tmc_fx_fully_connected(a, &f, &m, &d) != TMC_OK) {
      print_error("%s\n", d.msg);
      return NULL;
    }
    return m;
  }
  tmc_mb_init(&b, a, sp->name);
  if (sp->kind == K_FLOAT) {
    int32_t x, y;
    tmc_tfl_options o;
    memset(&o, 0, sizeof o);
    if (sp->code == TMC_TFL_OP_DEQUANTIZE) {
      x = tmc_mb_act_s8(&b, "x", sp->shape, sp->rank, sp->out_scale, sp->out_zp);
      y = tmc_mb_tensor(&b, "y", TMC_TFL_FLOAT32, sp->shape, sp->rank, 0);
    } else {
      x = tmc_mb_tensor(&b, "x", TMC_TFL_FLOAT32, sp->shape, sp->rank, 0);
      if (sp->code == TMC_TFL_OP_QUANTIZE) {
        y = tmc_mb_act_s8(&b, "y", sp->shape, sp->rank, sp->out_scale, sp->out_zp);
      } else {
        y = tmc_mb_tensor(&b, "y", TMC_TFL_FLOAT32, sp->shape, sp->rank, 0);
        o.type = TMC_TFL_OPTIONS_softmax;
        o.u.softmax.beta = 1.0f;
      }
    }
    tmc_mb_op(&b, sp->code, 1, &x, 1, &y, 1, o.type ? &o : NULL);
    tmc_mb_io(&b, &x, 1, &y, 1);
    return pt_finish(&b);
  }
  int32_t x = tmc_mb_act_s8(&b, "x", sp->shape, sp->rank, in_scale, in_zp);
  int32_t y = -1;
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  switch (sp->kind) {
    case K_UNARY: {
      float os = sp->out_scale;
      int32_t oz = sp->out_zp;
      const tmc_tfl_options *op = NULL;
      if (sp->code == TMC_TFL_OP_RELU6) { /* a clamp: output quantized as the input */
        os = in_scale;
        oz = in_zp;
      } else if (sp->code == TMC_TFL_OP_LEAKY_RELU) {
        o.type = TMC_TFL_OPTIONS_leaky_relu;
        o.u.leaky_relu.alpha = 0.15f;
        op = &o;
      } else if (sp->code == TMC_TFL_OP_SOFTMAX) {
        o.type = TMC_TFL_OPTIONS_softmax;
        o.u.softmax.beta = 1.0f;
        op = &o;
      }
      y = pt_unary(&b, sp->code, x, "y", sp->shape, sp->rank, os, oz, op);
      tmc_mb_io(&b, &x, 1, &y, 1);
      break;
    }
    case K_BINARY: {
      bool same_q = sp->code == TMC_TFL_OP_MAXIMUM || sp->code == TMC_TFL_OP_MINIMUM;
      int32_t x2 = tmc_mb_act_s8(&b, "x2", sp->shape2, sp->rank2, same_q ? in_scale : 0.03f,
                                 same_q ? in_zp : 4);
      int32_t out_shape[4];
      for (int i = 0; i < 4; i++)
        out_shape[i] = sp->shape[i] > sp->shape2[i] ? sp->shape[i] : sp->shape2[i];
      y = pt_binary(&b, sp->code, x, x2, "y", out_shape, 4, same_q ? in_scale : sp->out_scale,
                    same_q ? in_zp : sp->out_zp, sp->act);
      int32_t ins[2] = {x, x2};
      tmc_mb_io(&b, ins, 2, &y, 1);
      break;
    }
    case K_POOL:
      y = pt_pool(&b, sp->code, x, "y", sp->shape, sp->f_h, sp->f_w, sp->s_h, sp->s_w,
                  sp->padding, in_scale, in_zp);
      tmc_mb_io(&b, &x, 1, &y, 1);
      break;
    default: { /* K_CONV, K_DW */
      pt_conv c = {sp->shape[0], sp->shape[1], sp->shape[2], sp->shape[3], sp->out_c,
                   sp->f_h, sp->f_w, sp->s_h, sp->dilation, sp->padding, sp->act,
                   sp->kind == K_DW, in_scale, sp->out_scale, sp->out_zp};
      y = pt_conv_op(&b, &rng, x, "y", &c);
      tmc_mb_io(&b, &x, 1, &y, 1);
      break;
    }
  }
  return pt_finish(&b);
}

static int64_t align_to(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

/* Run layout: every block but xb and yb first, each behind a poisoned gap;
 * then, at the end of the arena, output yb and input xb with
 * o_in - o_out = dist, the arena ending where the later of the two ends
 * (tensor bytes, not rounded). Writes the poisoned ranges. */
static int lay_out_for_run(tmc_plan *p, int32_t xb, int32_t yb, int64_t dist, int64_t *lo,
                           int64_t *hi) {
  tmc_mem *m = &p->mem;
  const tmc_graph *g = p->g;
  int n = 0;
  int64_t cur = 0;
  for (int32_t i = 0; i < m->n_blocks; i++) {
    if (i == xb || i == yb) continue;
    int64_t start = align_to(cur + 16, 16);
    lo[n] = align_to(cur, 8);
    hi[n++] = start;
    pt_set_block(p, i, start);
    cur = start + m->blocks[i].size;
  }
  int64_t u = align_to(cur + 16, 16);
  lo[n] = align_to(cur, 8);
  hi[n++] = u;
  int64_t o_out = u + (dist < 0 ? -dist : 0), o_in = u + (dist > 0 ? dist : 0);
  pt_set_block(p, yb, o_out);
  pt_set_block(p, xb, o_in);
  int64_t end_out = o_out + g->tensors[m->blocks[yb].tensor].bytes;
  int64_t end_in = o_in + g->tensors[m->blocks[xb].tensor].bytes;
  m->arena_bytes = end_out > end_in ? end_out : end_in;
  return n;
}

/* Validator layout: every other block apart (aligned), then yb at u and xb
 * at u + dist (dist a multiple of TMC_PLAN_ALIGN, may be negative). */
static void lay_out_for_validator(tmc_plan *p, int32_t xb, int32_t yb, int64_t dist) {
  tmc_mem *m = &p->mem;
  int64_t cur = 0;
  for (int32_t i = 0; i < m->n_blocks; i++) {
    if (i == xb || i == yb) continue;
    pt_set_block(p, i, cur);
    cur = pt_align(cur + m->blocks[i].size);
  }
  int64_t u = cur + 64 + (dist < 0 ? -dist : 0);
  pt_set_block(p, yb, u);
  pt_set_block(p, xb, u + dist);
  int64_t e1 = u + m->blocks[yb].size, e2 = u + dist + m->blocks[xb].size;
  m->arena_bytes = e1 > e2 ? e1 : e2;
  if (cur > m->arena_bytes) m->arena_bytes = cur;
}

static void check_rule(ctx *c, int in_k, int64_t delta) {
  const spec *sp = &specs[c->index];
  tmc_plan *p = &c->built.plan;
  const tmc_graph *g = p->g;
  const tmc_step *st = &p->steps[0];
  int32_t x = st->in[in_k], y = st->out[0];
  int32_t xb = pt_block_of(p, x), yb = pt_block_of(p, y);
  assert_true(xb >= 0 && yb >= 0 && xb != yb);
  size_t out_bytes = (size_t)g->tensors[y].bytes;
  int64_t lo[PT_MAX_IO + 8], hi[PT_MAX_IO + 8];
  assert_true(p->mem.n_blocks <= PT_MAX_IO);

  /* Every buffer apart: the reference. */
  pt_layout_separate(p);
  pt_run(p, c->in, c->want);

  /* At the limit: output exactly delta bytes below input in_k. */
  int n = lay_out_for_run(p, xb, yb, delta, lo, hi);
  pt_run_poisoned(p, c->in, c->got, lo, hi, n);
  if (memcmp(c->got[0], c->want[0], out_bytes) != 0) {
    size_t i = 0;
    while (c->got[0][i] == c->want[0][i]) i++;
    fail_msg("%s: output %d bytes below input %d (the rule's delta) differs from the "
             "separate run at byte %zu of %zu (%d, expected %d)", sp->name, (int)delta, in_k,
             i, out_bytes, (int8_t)c->got[0][i], (int8_t)c->want[0][i]);
  }
  free_outputs(c->got);

  /* One byte (one element for float) closer: report whether the rule is
   * exact. */
  int64_t unit = (int64_t)tmc_dtype_size(g->tensors[y].type);
  n = lay_out_for_run(p, xb, yb, delta - unit, lo, hi);
  pt_run_poisoned(p, c->in, c->got, lo, hi, n);
  int tight = memcmp(c->got[0], c->want[0], out_bytes) != 0;
  free_outputs(c->got);

  /* The validator: accepted at the aligned limit, rejected 4 bytes closer. */
  tmc_diag d;
  int64_t ad = pt_align(delta);
  lay_out_for_validator(p, xb, yb, ad);
  tmc_diag_init(&d, sp->name);
  if (tmc_plan_validate(p, &d) != TMC_OK)
    fail_msg("%s: validator rejects input %d at %lld bytes above the output (delta %lld): %s",
             sp->name, in_k, (long long)ad, (long long)delta, d.msg);
  lay_out_for_validator(p, xb, yb, ad - TMC_PLAN_ALIGN);
  tmc_diag_init(&d, sp->name);
  tmc_status s = tmc_plan_validate(p, &d);
  if (s == TMC_OK)
    fail_msg("%s: validator accepts input %d at %lld bytes above the output, below the "
             "rule's %lld", sp->name, in_k, (long long)(ad - TMC_PLAN_ALIGN), (long long)delta);
  if (strstr(d.msg, "overlap rule") == NULL && strstr(d.msg, "share bytes") == NULL)
    fail_msg("%s: the validator's message does not name the overlap: %s", sp->name, d.msg);

  result *r = &results[c->index];
  r->pair[r->n_pairs].in_k = in_k;
  r->pair[r->n_pairs].delta = delta;
  r->pair[r->n_pairs].tight = tight;
  r->n_pairs++;
  print_message("%-36s in %d: delta %6lld  kernel ok at delta, %s one byte closer; "
                "validator ok at %lld, rejects %lld\n", sp->name, in_k, (long long)delta,
                tight ? "differs" : "still equal", (long long)ad, (long long)(ad - 4));
}

/* No rule: sharing any byte must be rejected. */
static void check_no_rule(ctx *c, int in_k) {
  const spec *sp = &specs[c->index];
  tmc_plan *p = &c->built.plan;
  const tmc_step *st = &p->steps[0];
  int32_t xb = pt_block_of(p, st->in[in_k]), yb = pt_block_of(p, st->out[0]);
  assert_true(xb >= 0 && yb >= 0);
  lay_out_for_validator(p, xb, yb, 0);
  tmc_diag d;
  tmc_diag_init(&d, sp->name);
  if (tmc_plan_validate(p, &d) == TMC_OK)
    fail_msg("%s: input %d and the output share bytes without a rule, and the validator "
             "accepts it", sp->name, in_k);
  if (strstr(d.msg, "share bytes") == NULL)
    fail_msg("%s: the validator's message does not say the buffers share bytes: %s", sp->name,
             d.msg);
  print_message("%-36s in %d: no rule (-1): skipped; validator rejects sharing\n", sp->name,
                in_k);
}

static void test_rule(void **state) {
  ctx *c = *state;
  const spec *sp = &specs[c->index];
  tmc_tfl_model *m = build_spec(&c->arena, sp);
  assert_non_null(m);
  tmc_plan_options o = {.planner = TMC_PLANNER_BEST};
  if (strncmp(sp->name, "DSP ", 4) == 0) o.target = TMC_TARGET_CORTEX_M7;
  if (pt_plan(m, sp->name, &o, &c->arena, &c->built) != TMC_OK)
    fail_msg("%s: %s", sp->name, c->built.diag.msg);
  tmc_plan *p = &c->built.plan;
  const tmc_graph *g = p->g;
  assert_int_equal(p->n_steps, 1);
  results[c->index].ran = 1;

  /* The planner's own placement. */
  tmc_diag d;
  tmc_diag_init(&d, sp->name);
  if (tmc_plan_validate(p, &d) != TMC_OK) fail_msg("%s: %s", sp->name, d.msg);
  int bad = pt_check_against_separate(p, 3);
  if (bad) fail_msg("%s: the best plan's output differs from the separate layout", sp->name);

  /* Random inputs. */
  assert_true(g->n_inputs <= PT_MAX_IO);
  for (int32_t k = 0; k < g->n_inputs; k++) {
    size_t bytes = (size_t)g->tensors[g->inputs[k]].bytes;
    c->in[k] = malloc(bytes);
    assert_non_null(c->in[k]);
    pt_fill_tensor(&g->tensors[g->inputs[k]], c->in[k], 101u + (uint32_t)k + (uint32_t)c->index * 7u);
  }
  pt_layout_save(p, &c->saved);
  const tmc_step *st = &p->steps[0];
  if (strncmp(sp->name, "DSP ", 4) == 0 && st->kernel != TMC_K_AVG_POOL_DSP &&
      st->kernel != TMC_K_ADD_LUT)
    fail_msg("%s: planned for cortex-m7 without the DSP kernel (kernel %d)", sp->name,
             (int)st->kernel);
  for (int k = 0; k < st->n_in; k++) {
    int32_t t = st->in[k];
    if (t < 0 || g->tensors[t].is_const) continue;
    int64_t delta = tmc_overlap_delta(p, 0, k, 0);
    if (delta >= 0)
      check_rule(c, k, delta);
    else
      check_no_rule(c, k);
    pt_layout_restore(p, &c->saved);
    free_outputs(c->want);
  }
  /* Out-of-range queries have no rule. */
  assert_int_equal(tmc_overlap_delta(p, 0, st->n_in, 0), -1);
  assert_int_equal(tmc_overlap_delta(p, 0, 0, st->n_out), -1);
  assert_int_equal(tmc_overlap_delta(p, 0, -1, 0), -1);
}

/* The summary: which kernels have rules, their deltas, which are exact. */
static int summary(void **state) {
  (void)state;
  print_message("\noverlap rules: fixture, input, delta, exact (one byte closer changes the "
                "output)\n");
  for (size_t i = 0; i < N_SPECS; i++) {
    const result *r = &results[i];
    if (!r->ran) continue;
    if (r->n_pairs == 0) print_message("  %-36s no rule\n", specs[i].name);
    for (int k = 0; k < r->n_pairs; k++)
      print_message("  %-36s in %d  delta %6lld  %s\n", specs[i].name, r->pair[k].in_k,
                    (long long)r->pair[k].delta, r->pair[k].tight ? "exact" : "conservative");
  }
  return 0;
}

int main(void) {
  static struct CMUnitTest tests[N_SPECS];
  for (size_t i = 0; i < N_SPECS; i++) {
    tests[i].name = specs[i].name;
    tests[i].test_func = test_rule;
    tests[i].setup_func = setup;
    tests[i].teardown_func = teardown;
    tests[i].initial_state = (void *)(uintptr_t)&specs[i];
  }
  return _cmocka_run_group_tests("overlap_rules", tests, N_SPECS, NULL, summary);
}

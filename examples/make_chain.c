/* tmc_make_chain N OUT.tflite: writes an N-operator int8 chain for the
 * scaling tests and benchmarks: a 1x16x16x8 int8 input, then CONV_2D 3x3 and
 * DEPTHWISE_CONV_2D 3x3 (stride 1, SAME, RELU) alternating, every tensor
 * 16x16x8, so every op is a possible patch split. Deterministic weights;
 * built with tmc_mb and serialized with tmc_tfl_write. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/file.h"
#include "base/status.h"
#include "fixtures/model_builder.h"
#include "reader/tflite_write.h"

#define H 16
#define W 16
#define CH 8
#define ACT_SCALE 0.05f
#define ACT_ZP (-128)
#define MAX_OPS 100000

/* Weights uniform in +-sqrt(6 / fan_in), per channel along qdim, and their
 * int32 bias; *w_out and *b_out get the tensor indices. */
static void add_weights(tmc_mb *b, tmc_mb_rng *rng, const char *prefix, const int32_t *shape,
                        int32_t qdim, int32_t fan_in, int32_t *w_out, int32_t *b_out) {
  int32_t n = shape[0] * shape[1] * shape[2] * shape[3], ch = shape[qdim];
  float w[9 * CH * CH], bias[CH], ws[CH];
  tmc_mb_rng_fill(rng, w, (size_t)n, sqrtf(6.0f / (float)fan_in));
  tmc_mb_rng_fill(rng, bias, (size_t)ch, 0.1f);
  char name[96];
  snprintf(name, sizeof name, "%s/weights", prefix);
  *w_out = tmc_mb_const_s8(b, name, shape, 4, qdim, true, w, ws);
  snprintf(name, sizeof name, "%s/bias", prefix);
  *b_out = tmc_mb_const_bias_s32(b, name, ch, bias, ACT_SCALE, ws, ch);
}

static tmc_status build(int32_t n_ops, tmc_arena *a, tmc_tfl_model **m, tmc_diag *d) {
  tmc_mb b;
  tmc_mb_rng rng = {20261202u};
  tmc_tfl_options o;
  tmc_mb_init(&b, a, "tmc scaling chain: conv / depthwise 16x16x8");
  int32_t fmap[4] = {1, H, W, CH};
  int32_t input = tmc_mb_act_s8(&b, "input", fmap, 4, ACT_SCALE, ACT_ZP), x = input;
  for (int32_t i = 0; i < n_ops; i++) {
    char name[64];
    int32_t wt, bias;
    bool conv = i % 2 == 0;
    memset(&o, 0, sizeof o);
    if (conv) {
      int32_t shape[4] = {CH, 3, 3, CH};
      snprintf(name, sizeof name, "conv%d", (int)i);
      add_weights(&b, &rng, name, shape, 0, 9 * CH, &wt, &bias);
      o.type = TMC_TFL_OPTIONS_conv2d;
      o.u.conv2d.padding = TMC_TFL_PAD_SAME;
      o.u.conv2d.stride_w = o.u.conv2d.stride_h = 1;
      o.u.conv2d.dilation_w_factor = o.u.conv2d.dilation_h_factor = 1;
      o.u.conv2d.fused_activation_function = TMC_TFL_ACT_RELU;
    } else {
      int32_t shape[4] = {1, 3, 3, CH};
      snprintf(name, sizeof name, "dw%d", (int)i);
      add_weights(&b, &rng, name, shape, 3, 9, &wt, &bias);
      o.type = TMC_TFL_OPTIONS_depthwise_conv2d;
      o.u.depthwise_conv2d.padding = TMC_TFL_PAD_SAME;
      o.u.depthwise_conv2d.stride_w = o.u.depthwise_conv2d.stride_h = 1;
      o.u.depthwise_conv2d.depth_multiplier = 1;
      o.u.depthwise_conv2d.dilation_w_factor = o.u.depthwise_conv2d.dilation_h_factor = 1;
      o.u.depthwise_conv2d.fused_activation_function = TMC_TFL_ACT_RELU;
    }
    snprintf(name, sizeof name, "%s%d/out", conv ? "conv" : "dw", (int)i);
    int32_t y = tmc_mb_act_s8(&b, name, fmap, 4, ACT_SCALE, ACT_ZP);
    int32_t in[3] = {x, wt, bias};
    tmc_mb_op(&b, conv ? TMC_TFL_OP_CONV_2D : TMC_TFL_OP_DEPTHWISE_CONV_2D, conv ? 3 : 2, in,
              3, &y, 1, &o);
    x = y;
  }
  tmc_mb_io(&b, &input, 1, &x, 1);
  return tmc_mb_finish(&b, m, d);
}

int main(int argc, char **argv) {
  char *end = NULL;
  long n = argc == 3 ? strtol(argv[1], &end, 10) : 0;
  if (argc != 3 || end == argv[1] || *end != '\0' || n < 1 || n > MAX_OPS) {
    fprintf(stderr, "usage: tmc_make_chain N OUT.tflite (N from 1 to %d)\n", MAX_OPS);
    return 2;
  }
  tmc_diag d;
  tmc_arena a;
  tmc_tfl_model *m = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  tmc_diag_init(&d, tmc_path_base(argv[2]));
  tmc_arena_init(&a);
  tmc_status s = build((int32_t)n, &a, &m, &d);
  if (s == TMC_OK) s = tmc_tfl_write(m, &bytes, &len, &d);
  if (s == TMC_OK) s = tmc_file_write_atomic(argv[2], bytes, len, &d);
  if (s == TMC_OK)
    printf("%s: %zu bytes, %d operators\n", argv[2], len, (int)m->subgraphs[0].n_operators);
  else
    fprintf(stderr, "tmc_make_chain: %s\n", d.msg);
  free(bytes);
  tmc_arena_free(&a);
  return s == TMC_OK ? 0 : 1;
}

/* tmc_make_example OUT.tflite: writes a small, realistic int8 CNN (the shape
 * of a keyword-spotting or tiny image classifier) with deterministic weights,
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

#define CH 16      /* channels of the feature maps */
#define CLASSES 10 /* classifier outputs */

/* Activation quantization (scale, zero point) of the model's tensors. */
#define IN_SCALE (1.0f / 255.0f) /* image in [0, 1] */
#define IN_ZP (-128)
#define RELU6_SCALE (6.0f / 255.0f) /* [0, 6] */
#define RELU6_ZP (-128)
#define CONV2_SCALE 0.045f
#define CONV2_ZP 4
#define ADD_SCALE 0.05f
#define ADD_ZP (-8)
#define LOGITS_SCALE 0.04f
#define LOGITS_ZP 2

typedef struct layer {
  int32_t weights, bias;
} layer;

/* Adds int8 weights (uniform in +-sqrt(6 / fan_in), per-channel along qdim)
 * and their int32 bias for a layer whose input has in_scale. */
static layer add_weights(tmc_mb *b, tmc_mb_rng *rng, const char *prefix,
                         const int32_t *shape, int32_t rank, int32_t qdim,
                         int32_t fan_in, float in_scale) {
  layer l = {-1, -1};
  int32_t n = 1, ch = shape[qdim];
  for (int32_t i = 0; i < rank; i++) n *= shape[i];
  float *w = tmc_arena_array(b->arena, (size_t)n, sizeof *w);
  float *bias = tmc_arena_array(b->arena, (size_t)ch, sizeof *bias);
  float *ws = tmc_arena_array(b->arena, (size_t)ch, sizeof *ws);
  if (w == NULL || bias == NULL || ws == NULL) {
    if (b->status == TMC_OK) {
      b->status = TMC_ERR_NOMEM;
      b->what = "weights";
    }
    return l;
  }
  float range = sqrtf(6.0f / (float)fan_in); /* He-uniform */
  tmc_mb_rng_fill(rng, w, (size_t)n, range);
  tmc_mb_rng_fill(rng, bias, (size_t)ch, 0.1f);
  char name[64];
  snprintf(name, sizeof name, "%s/weights", prefix);
  l.weights = tmc_mb_const_s8(b, name, shape, rank, qdim, true, w, ws);
  snprintf(name, sizeof name, "%s/bias", prefix);
  l.bias = tmc_mb_const_bias_s32(b, name, ch, bias, in_scale, ws, ch);
  return l;
}

/* Builds the example model into the arena. */
static tmc_status build(tmc_arena *a, tmc_tfl_model **m, tmc_diag *d) {
  tmc_mb b;
  tmc_mb_rng rng = {20240607u};
  tmc_tfl_options o;
  tmc_mb_init(&b, a, "tmc example: tiny int8 CNN");

  /* 1. float input -> QUANTIZE. */
  int32_t img[4] = {1, 32, 32, 3};
  int32_t input = tmc_mb_tensor(&b, "input", TMC_TFL_FLOAT32, img, 4, 0);
  int32_t q_in = tmc_mb_act_s8(&b, "input_int8", img, 4, IN_SCALE, IN_ZP);
  tmc_mb_op(&b, TMC_TFL_OP_QUANTIZE, 1, &input, 1, &q_in, 1, NULL);

  /* 2. CONV_2D 3x3 stride 2 SAME, 3 -> 16, RELU6. */
  int32_t fmap[4] = {1, 16, 16, CH};
  int32_t c1_shape[4] = {CH, 3, 3, 3};
  layer c1 = add_weights(&b, &rng, "conv1", c1_shape, 4, 0, 27, IN_SCALE);
  int32_t c1_out = tmc_mb_act_s8(&b, "conv1/Relu6", fmap, 4, RELU6_SCALE, RELU6_ZP);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_conv2d;
  o.u.conv2d.padding = TMC_TFL_PAD_SAME;
  o.u.conv2d.stride_w = o.u.conv2d.stride_h = 2;
  o.u.conv2d.dilation_w_factor = o.u.conv2d.dilation_h_factor = 1;
  o.u.conv2d.fused_activation_function = TMC_TFL_ACT_RELU6;
  int32_t c1_in[3] = {q_in, c1.weights, c1.bias};
  tmc_mb_op(&b, TMC_TFL_OP_CONV_2D, 3, c1_in, 3, &c1_out, 1, &o);

  /* 3. DEPTHWISE_CONV_2D 3x3 stride 1 SAME, RELU6. */
  int32_t dw_shape[4] = {1, 3, 3, CH};
  layer dw = add_weights(&b, &rng, "dw1", dw_shape, 4, 3, 9, RELU6_SCALE);
  int32_t dw_out = tmc_mb_act_s8(&b, "dw1/Relu6", fmap, 4, RELU6_SCALE, RELU6_ZP);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_depthwise_conv2d;
  o.u.depthwise_conv2d.padding = TMC_TFL_PAD_SAME;
  o.u.depthwise_conv2d.stride_w = o.u.depthwise_conv2d.stride_h = 1;
  o.u.depthwise_conv2d.depth_multiplier = 1;
  o.u.depthwise_conv2d.dilation_w_factor = o.u.depthwise_conv2d.dilation_h_factor = 1;
  o.u.depthwise_conv2d.fused_activation_function = TMC_TFL_ACT_RELU6;
  int32_t dw_in[3] = {c1_out, dw.weights, dw.bias};
  tmc_mb_op(&b, TMC_TFL_OP_DEPTHWISE_CONV_2D, 3, dw_in, 3, &dw_out, 1, &o);

  /* 4. CONV_2D 1x1 16 -> 16, no activation. */
  int32_t c2_shape[4] = {CH, 1, 1, CH};
  layer c2 = add_weights(&b, &rng, "conv2", c2_shape, 4, 0, CH, RELU6_SCALE);
  int32_t c2_out = tmc_mb_act_s8(&b, "conv2/BiasAdd", fmap, 4, CONV2_SCALE, CONV2_ZP);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_conv2d;
  o.u.conv2d.padding = TMC_TFL_PAD_SAME;
  o.u.conv2d.stride_w = o.u.conv2d.stride_h = 1;
  o.u.conv2d.dilation_w_factor = o.u.conv2d.dilation_h_factor = 1;
  int32_t c2_in[3] = {dw_out, c2.weights, c2.bias};
  tmc_mb_op(&b, TMC_TFL_OP_CONV_2D, 3, c2_in, 3, &c2_out, 1, &o);

  /* 5. ADD: residual with the first conv's output. */
  int32_t add_out = tmc_mb_act_s8(&b, "add/add", fmap, 4, ADD_SCALE, ADD_ZP);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_add;
  o.u.add.pot_scale_int16 = true;
  int32_t add_in[2] = {c2_out, c1_out};
  tmc_mb_op(&b, TMC_TFL_OP_ADD, 2, add_in, 2, &add_out, 1, &o);

  /* 6. AVERAGE_POOL_2D over the whole 16x16 map (same quantization). */
  int32_t pooled[4] = {1, 1, 1, CH};
  int32_t pool_out = tmc_mb_act_s8(&b, "pool/AvgPool", pooled, 4, ADD_SCALE, ADD_ZP);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_pool2d;
  o.u.pool2d.padding = TMC_TFL_PAD_VALID;
  o.u.pool2d.stride_w = o.u.pool2d.stride_h = 1;
  o.u.pool2d.filter_width = o.u.pool2d.filter_height = 16;
  tmc_mb_op(&b, TMC_TFL_OP_AVERAGE_POOL_2D, 2, &add_out, 1, &pool_out, 1, &o);

  /* 7. RESHAPE to [1, 16]. */
  int32_t flat[2] = {1, CH}, two = 2;
  int32_t shape_t = tmc_mb_const_i32(&b, "flatten/shape", &two, 1, flat);
  int32_t flat_out = tmc_mb_act_s8(&b, "flatten/Reshape", flat, 2, ADD_SCALE, ADD_ZP);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_reshape;
  o.u.reshape.new_shape.n = 2;
  o.u.reshape.new_shape.v = flat;
  int32_t rs_in[2] = {pool_out, shape_t};
  tmc_mb_op(&b, TMC_TFL_OP_RESHAPE, 1, rs_in, 2, &flat_out, 1, &o);

  /* 8. FULLY_CONNECTED 16 -> 10. */
  int32_t fc_shape[2] = {CLASSES, CH}, logits_shape[2] = {1, CLASSES};
  layer fc = add_weights(&b, &rng, "dense", fc_shape, 2, 0, CH, ADD_SCALE);
  int32_t logits = tmc_mb_act_s8(&b, "dense/BiasAdd", logits_shape, 2, LOGITS_SCALE,
                                 LOGITS_ZP);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_fully_connected;
  int32_t fc_in[3] = {flat_out, fc.weights, fc.bias};
  tmc_mb_op(&b, TMC_TFL_OP_FULLY_CONNECTED, 4, fc_in, 3, &logits, 1, &o);

  /* 9. SOFTMAX (output scale 1/256, zero point -128), then DEQUANTIZE. */
  int32_t probs = tmc_mb_act_s8(&b, "softmax", logits_shape, 2, 1.0f / 256.0f, -128);
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_softmax;
  o.u.softmax.beta = 1.0f;
  tmc_mb_op(&b, TMC_TFL_OP_SOFTMAX, 2, &logits, 1, &probs, 1, &o);
  int32_t output = tmc_mb_tensor(&b, "Identity", TMC_TFL_FLOAT32, logits_shape, 2, 0);
  tmc_mb_op(&b, TMC_TFL_OP_DEQUANTIZE, 2, &probs, 1, &output, 1, NULL);

  tmc_mb_io(&b, &input, 1, &output, 1);
  tmc_mb_signature(&b, "serving_default");
  static const char runtime[16] = "1.14.0";
  tmc_mb_metadata(&b, "min_runtime_version", runtime, sizeof runtime);
  return tmc_mb_finish(&b, m, d);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: tmc_make_example OUT.tflite\n");
    return 2;
  }
  tmc_diag d;
  tmc_arena a;
  tmc_tfl_model *m = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  tmc_diag_init(&d, tmc_path_base(argv[1]));
  tmc_arena_init(&a);
  tmc_status s = build(&a, &m, &d);
  if (s == TMC_OK) s = tmc_tfl_write(m, &bytes, &len, &d);
  if (s == TMC_OK) s = tmc_file_write_atomic(argv[1], bytes, len, &d);
  if (s == TMC_OK)
    printf("%s: %zu bytes, %d operators\n", argv[1], len, (int)m->subgraphs[0].n_operators);
  else
    fprintf(stderr, "tmc_make_example: %s\n", d.msg);
  free(bytes);
  tmc_arena_free(&a);
  return s == TMC_OK ? 0 : 1;
}

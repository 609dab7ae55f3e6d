/* Arithmetic ranges of the conv-like layers (src/plan/lower_conv.c; label
 * unit): models crafted with tmc_mb whose window geometry or int32
 * accumulators would overflow are refused with a message naming the op,
 * the attribute or the tensor and channel, and the value; models at the
 * edge of each bound are accepted and run on the host (UBSan aborts on
 * any overflow in this build) byte for byte equal to a reference computed
 * here in int64 with TFLite's requantization (kernels/requant.h).
 *
 * With an argument DIR, writes the accepted edge models to DIR/<name>.tflite
 * and their inputs to DIR/<name>.in instead (arith_emit_test.sh runs them
 * through the generated C). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

#include "ir/build.h"
#include "kernels/requant.h"
#include "plan/quant.h"
#include "plan_test_util.h"
#include "reader/tflite_write.h"

#define SUBJECT "al.tflite"

/* ---- building ---------------------------------------------------------------- */

typedef struct al {
  tmc_arena a;
  tmc_mb b;
} al;

static void al_init(al *w) {
  tmc_arena_init(&w->a);
  tmc_mb_init(&w->b, &w->a, "arithmetic limits");
}

#define SHAPE(...) (const int32_t[]){__VA_ARGS__}, \
  (int32_t)(sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t))

static tmc_tfl_options opts(uint8_t type) {
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = type;
  o.decoded = true;
  return o;
}

/* Constant int8 weights with exactly the values v, scale 1 per channel
 * along qdim (channels of them), zero point 0. */
static int32_t weights(al *w, const char *name, const int32_t *shape, int32_t rank,
                       int32_t qdim, const int8_t *v) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; i++) n *= shape[i];
  int32_t t = tmc_mb_tensor(&w->b, name, TMC_TFL_INT8, shape, rank,
                            (uint32_t)tmc_mb_buffer(&w->b, v, (size_t)n));
  int32_t ch = shape[qdim];
  float *sc = tmc_arena_array(&w->a, (size_t)ch, sizeof *sc);
  int64_t *zp = tmc_arena_array(&w->a, (size_t)ch, sizeof *zp);
  assert_non_null(sc);
  assert_non_null(zp);
  for (int32_t c = 0; c < ch; c++) sc[c] = 1.0f, zp[c] = 0;
  tmc_mb_quant(&w->b, t, ch, sc, zp, qdim);
  return t;
}

/* An int32 bias with exactly the values v (little-endian), scale in_scale
 * (times the weights' 1), zero point 0. */
static int32_t bias(al *w, const char *name, int32_t n, const int32_t *v, float in_scale) {
  uint8_t *bytes = tmc_arena_array(&w->a, (size_t)n, 4);
  float *sc = tmc_arena_array(&w->a, (size_t)n, sizeof *sc);
  int64_t *zp = tmc_arena_array(&w->a, (size_t)n, sizeof *zp);
  assert_non_null(bytes);
  assert_non_null(sc);
  assert_non_null(zp);
  for (int32_t i = 0; i < n; i++) {
    uint32_t u = (uint32_t)v[i];
    for (int k = 0; k < 4; k++) bytes[4 * i + k] = (uint8_t)(u >> (8 * k));
    sc[i] = in_scale;
    zp[i] = 0;
  }
  int32_t t = tmc_mb_tensor(&w->b, name, TMC_TFL_INT32, (const int32_t[]){n}, 1,
                            (uint32_t)tmc_mb_buffer(&w->b, bytes, (size_t)n * 4));
  tmc_mb_quant(&w->b, t, n, sc, zp, 0);
  return t;
}

/* Scales of every model here: input 2^-6, weights 1, output 2^19, so the
 * effective multiplier is 2^-25 and accumulators near 2^31 give outputs
 * near +-64 (not saturated). */
#define IN_SCALE (1.0f / 64)
#define OUT_SCALE 524288.0f

/* A conv-like layer: kind, geometry, values. */
typedef struct layer {
  int32_t code;              /* TMC_TFL_OP_CONV_2D, _DEPTHWISE_CONV_2D, _FULLY_CONNECTED */
  int32_t n, h, w, c;        /* input (FC: [n, c]) */
  int32_t oc, kh, kw;        /* output channels, filter */
  int32_t sh, sw, dh, dw, padding;
  int32_t in_zp, out_zp;
  const int8_t *w_values;    /* OHWI (conv), 1HWC (depthwise), [oc][c] (FC) */
  const int32_t *b_values;   /* NULL: no bias */
} layer;

static int32_t out_size(int32_t in, int32_t k, int32_t s, int32_t d, int32_t pad) {
  int64_t eff = (int64_t)(k - 1) * d + 1;
  if (pad == TMC_TFL_PAD_SAME) return (int32_t)((in + (int64_t)s - 1) / s);
  return in >= eff ? (int32_t)((in - eff + s) / s) : 0;
}

/* The model of one layer: x 0, weights 1, bias 2 (when present), y last. */
static void build_layer(al *w, const layer *L) {
  bool fc = L->code == TMC_TFL_OP_FULLY_CONNECTED;
  bool dw = L->code == TMC_TFL_OP_DEPTHWISE_CONV_2D;
  int32_t x = fc ? tmc_mb_act_s8(&w->b, "x", SHAPE(L->n, L->c), IN_SCALE, L->in_zp)
                 : tmc_mb_act_s8(&w->b, "x", SHAPE(L->n, L->h, L->w, L->c), IN_SCALE,
                                 L->in_zp);
  int32_t wt;
  if (fc)
    wt = weights(w, "layer/w", SHAPE(L->oc, L->c), 0, L->w_values);
  else if (dw)
    wt = weights(w, "layer/w", SHAPE(1, L->kh, L->kw, L->oc), 3, L->w_values);
  else
    wt = weights(w, "layer/w", SHAPE(L->oc, L->kh, L->kw, L->c), 0, L->w_values);
  int32_t bt = L->b_values ? bias(w, "layer/b", L->oc, L->b_values, IN_SCALE) : -1;
  int32_t y;
  tmc_tfl_options o;
  if (fc) {
    y = tmc_mb_act_s8(&w->b, "y", SHAPE(L->n, L->oc), OUT_SCALE, L->out_zp);
    o = opts(TMC_TFL_OPTIONS_fully_connected);
  } else {
    int32_t oh = out_size(L->h, L->kh, L->sh, L->dh, L->padding);
    int32_t ow = out_size(L->w, L->kw, L->sw, L->dw, L->padding);
    y = tmc_mb_act_s8(&w->b, "y", SHAPE(L->n, oh, ow, L->oc), OUT_SCALE, L->out_zp);
    if (dw) {
      o = opts(TMC_TFL_OPTIONS_depthwise_conv2d);
      o.u.depthwise_conv2d.padding = (int8_t)L->padding;
      o.u.depthwise_conv2d.stride_h = L->sh;
      o.u.depthwise_conv2d.stride_w = L->sw;
      o.u.depthwise_conv2d.dilation_h_factor = L->dh;
      o.u.depthwise_conv2d.dilation_w_factor = L->dw;
      o.u.depthwise_conv2d.depth_multiplier = L->oc / L->c;
    } else {
      o = opts(TMC_TFL_OPTIONS_conv2d);
      o.u.conv2d.padding = (int8_t)L->padding;
      o.u.conv2d.stride_h = L->sh;
      o.u.conv2d.stride_w = L->sw;
      o.u.conv2d.dilation_h_factor = L->dh;
      o.u.conv2d.dilation_w_factor = L->dw;
    }
  }
  tmc_mb_op(&w->b, L->code, 1, (const int32_t[]){x, wt, bt}, 3, &y, 1, &o);
  tmc_mb_io(&w->b, &x, 1, &y, 1);
}

/* ---- expectations ---------------------------------------------------------- */

/* The model of w, from the struct and from its bytes: tmc_plan_build fails
 * with want and every substring of subs (NULL-terminated). */
static void expect_(al *w, tmc_status want, const char *const *subs) {
  tmc_tfl_model *m = pt_finish(&w->b);
  assert_non_null(m);
  uint8_t *bytes = NULL;
  size_t len = 0;
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_tfl_write(m, &bytes, &len, &d), TMC_OK);
  bool ok = true;
  for (int from_bytes = 0; from_bytes < 2; from_bytes++) {
    tmc_arena a;
    tmc_arena_init(&a);
    tmc_graph g;
    tmc_plan plan;
    tmc_diag_init(&d, SUBJECT);
    tmc_status s = from_bytes ? tmc_graph_load(bytes, len, SUBJECT, &a, &g, &d)
                              : tmc_graph_from_tflite(m, SUBJECT, &a, &g, &d);
    if (s != TMC_OK) {
      print_error("the graph does not build: %s\n", d.msg);
      ok = false;
    } else {
      s = tmc_plan_build(&g, NULL, &a, &plan, &d);
      if (!tt_diag_has(&d, s, want, SUBJECT, subs)) {
        tt_diag_report(from_bytes ? "from bytes" : "in memory", s, &d, want, subs);
        ok = false;
      }
    }
    tmc_arena_free(&a);
  }
  free(bytes);
  tmc_arena_free(&w->a);
  assert_true(ok);
}

#define EXPECT_REFUSED(w, ...) \
  expect_(w, TMC_ERR_MODEL, (const char *const[]){__VA_ARGS__, NULL})

/* ---- the reference ----------------------------------------------------------- */

/* y = the layer L on x, computed in int64 (every accumulator asserted to fit
 * int32, as TFLite's int32 one would hold it), requantized as TFLite. */
static void reference(const layer *L, const int8_t *x, int8_t *y) {
  bool fc = L->code == TMC_TFL_OP_FULLY_CONNECTED;
  bool dw = L->code == TMC_TFL_OP_DEPTHWISE_CONV_2D;
  int32_t *mult = calloc((size_t)L->oc, sizeof *mult), *shift = calloc((size_t)L->oc,
                                                                          sizeof *shift);
  float *ws = calloc((size_t)L->oc, sizeof *ws);
  assert_non_null(mult);
  assert_non_null(shift);
  assert_non_null(ws);
  for (int32_t c = 0; c < L->oc; c++) ws[c] = 1.0f;
  tmc_conv_quant_prepare(IN_SCALE, ws, L->oc, OUT_SCALE, L->oc, mult, shift);
  int32_t oh = fc ? 1 : out_size(L->h, L->kh, L->sh, L->dh, L->padding);
  int32_t ow = fc ? 1 : out_size(L->w, L->kw, L->sw, L->dw, L->padding);
  int64_t pt = 0, pl = 0;
  if (!fc && L->padding == TMC_TFL_PAD_SAME) {
    int64_t th = (int64_t)(oh - 1) * L->sh + (int64_t)(L->kh - 1) * L->dh + 1 - L->h;
    int64_t tw = (int64_t)(ow - 1) * L->sw + (int64_t)(L->kw - 1) * L->dw + 1 - L->w;
    pt = th > 0 ? th / 2 : 0;
    pl = tw > 0 ? tw / 2 : 0;
  }
  size_t o = 0;
  for (int32_t b = 0; b < L->n; b++)
    for (int32_t oy = 0; oy < oh; oy++)
      for (int32_t ox = 0; ox < ow; ox++)
        for (int32_t oc = 0; oc < L->oc; oc++) {
          int64_t acc = L->b_values ? L->b_values[oc] : 0;
          if (fc) {
            for (int32_t k = 0; k < L->c; k++)
              acc += (int64_t)L->w_values[(size_t)oc * L->c + k] *
                     (x[(size_t)b * L->c + k] - L->in_zp);
          } else {
            for (int32_t ky = 0; ky < L->kh; ky++)
              for (int32_t kx = 0; kx < L->kw; kx++) {
                int64_t iy = oy * (int64_t)L->sh - pt + ky * (int64_t)L->dh;
                int64_t ix = ox * (int64_t)L->sw - pl + kx * (int64_t)L->dw;
                if (iy < 0 || iy >= L->h || ix < 0 || ix >= L->w) continue;
                const int8_t *px = x + (((size_t)b * L->h + (size_t)iy) * L->w + (size_t)ix) *
                                           L->c;
                if (dw) {
                  acc += (int64_t)L->w_values[((size_t)ky * L->kw + kx) * L->oc + oc] *
                         (px[oc / (L->oc / L->c)] - L->in_zp);
                } else {
                  for (int32_t ic = 0; ic < L->c; ic++)
                    acc += (int64_t)L->w_values[(((size_t)oc * L->kh + ky) * L->kw + kx) *
                                                    L->c + ic] * (px[ic] - L->in_zp);
                }
              }
          }
          assert_true(acc >= INT32_MIN && acc <= INT32_MAX);
          int32_t v = tmc_mbqm((int32_t)acc, mult[oc], shift[oc]) + L->out_zp;
          y[o++] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
        }
  free(mult);
  free(shift);
  free(ws);
}

/* Input patterns: all 127, all -128, alternating, pseudo-random. */
static void fill_input(int8_t *x, size_t n, int pattern) {
  for (size_t i = 0; i < n; i++) {
    switch (pattern) {
      case 0: x[i] = 127; break;
      case 1: x[i] = -128; break;
      case 2: x[i] = (int8_t)(i % 2 ? 127 : -128); break;
      default: x[i] = (int8_t)((i * 2654435761u) >> 13); break;
    }
  }
}

/* The directory the edge models are written to (argument), or NULL: run. */
static const char *write_dir;

static void write_model(const char *name, const tmc_tfl_model *m, const int8_t *x, size_t n) {
  uint8_t *bytes = NULL;
  size_t len = 0;
  tmc_diag d;
  tmc_diag_init(&d, name);
  assert_int_equal(tmc_tfl_write(m, &bytes, &len, &d), TMC_OK);
  char path[512];
  snprintf(path, sizeof path, "%s/%s.tflite", write_dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
  snprintf(path, sizeof path, "%s/%s.in", write_dir, name);
  f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(x, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
  free(bytes);
}

/* L is accepted; on every input pattern the host run equals the reference
 * (or, with write_dir, the model and the random input are written). */
static void expect_exact(const char *name, const layer *L) {
  al w;
  al_init(&w);
  build_layer(&w, L);
  tmc_tfl_model *m = pt_finish(&w.b);
  assert_non_null(m);
  pt_built pb;
  tmc_status s = pt_plan(m, SUBJECT, NULL, &w.a, &pb);
  if (s != TMC_OK) print_error("%s: %s\n", name, pb.diag.msg);
  assert_int_equal(s, TMC_OK);
  const tmc_tensor *xt = &pb.graph.tensors[pb.graph.inputs[0]];
  const tmc_tensor *yt = &pb.graph.tensors[pb.graph.outputs[0]];
  size_t nx = (size_t)xt->bytes, ny = (size_t)yt->bytes;
  int8_t *x = malloc(nx), *want = malloc(ny);
  assert_non_null(x);
  assert_non_null(want);
  if (write_dir) {
    fill_input(x, nx, 3);
    write_model(name, m, x, nx);
  } else {
    for (int pattern = 0; pattern < 4; pattern++) {
      fill_input(x, nx, pattern);
      reference(L, x, want);
      uint8_t *in[1] = {(uint8_t *)x}, *out[1] = {NULL};
      pt_run(&pb.plan, in, out);
      size_t bad = 0;
      for (size_t i = 0; i < ny; i++)
        if ((int8_t)out[0][i] != want[i]) {
          if (bad < 5)
            print_error("%s, input pattern %d: output %zu is %d, expected %d\n", name,
                        pattern, i, (int8_t)out[0][i], want[i]);
          bad++;
        }
      free(out[0]);
      assert_int_equal(bad, 0);
    }
  }
  free(x);
  free(want);
  tmc_arena_free(&w.a);
}

/* ---- accumulators ---------------------------------------------------------- */

/* A 3x3 conv over [1,4,4,2] (VALID), 2 filters: filter 0 all 127, filter 1
 * alternating -127/+100 (sum |w| 18 * 227 / 2). Input zero point -128, so
 * |x - zp| <= 255. */
static int8_t conv_w[2 * 3 * 3 * 2];
static const int64_t conv_sum0 = 18 * 127, conv_sum1 = 9 * 127 + 9 * 100;

static layer conv_layer(const int32_t *b) {
  for (int k = 0; k < 18; k++) {
    conv_w[k] = 127;
    conv_w[18 + k] = (int8_t)(k % 2 ? 100 : -127);
  }
  layer L = {TMC_TFL_OP_CONV_2D, 1, 4, 4, 2, 2, 3, 3, 1, 1, 1, 1, TMC_TFL_PAD_VALID,
             -128, 3, conv_w, b};
  return L;
}

static void test_conv_bias_refused(void **state) {
  (void)state;
  al w;
  /* bias 2^31 - 1 with nonzero weights */
  int32_t b1[2] = {INT32_MAX, 0};
  layer L = conv_layer(b1);
  al_init(&w);
  build_layer(&w, &L);
  EXPECT_REFUSED(&w, "op 0 CONV_2D: output channel 0 (weights tensor 1 'layer/w', bias "
                 "tensor 2 'layer/b'): |bias| 2147483647 + sum |weight| 2286 x 255 (the "
                 "largest |input - zero point|) = 2148066577, beyond the int32 accumulator "
                 "of TFLite's int8 kernel");
  /* one above the edge, on channel 1 only */
  int32_t b2[2] = {0, -(int32_t)(INT32_MAX - conv_sum1 * 255) - 1};
  L = conv_layer(b2);
  al_init(&w);
  build_layer(&w, &L);
  EXPECT_REFUSED(&w, "op 0 CONV_2D: output channel 1 ", "= 2147483648, beyond the int32 "
                 "accumulator");
  /* bias -2^31: refused whatever the weights */
  int32_t b3[2] = {0, INT32_MIN};
  L = conv_layer(b3);
  memset(conv_w, 0, sizeof conv_w);
  al_init(&w);
  build_layer(&w, &L);
  EXPECT_REFUSED(&w, "op 0 CONV_2D: output channel 1 ", "|bias| 2147483648 + sum |weight| 0 x "
                 "255");
}

static void test_conv_bias_edge(void **state) {
  (void)state;
  int32_t b[2] = {(int32_t)(INT32_MAX - conv_sum0 * 255),
                  -(int32_t)(INT32_MAX - conv_sum1 * 255)};
  layer L = conv_layer(b);
  expect_exact("conv_edge", &L);
  /* the same with SAME padding and stride 2 (border windows) */
  L.padding = TMC_TFL_PAD_SAME;
  L.sh = L.sw = 2;
  expect_exact("conv_edge_same", &L);
}

/* Depthwise 3x3 over [1,3,3,2]: channel 0 all -127, channel 1 all 127. */
static int8_t dw_w[3 * 3 * 2];

static layer dw_layer(const int32_t *b) {
  for (int t = 0; t < 9; t++) {
    dw_w[2 * t] = -127;
    dw_w[2 * t + 1] = 127;
  }
  layer L = {TMC_TFL_OP_DEPTHWISE_CONV_2D, 1, 3, 3, 2, 2, 3, 3, 1, 1, 1, 1,
             TMC_TFL_PAD_SAME, -128, -7, dw_w, b};
  return L;
}

static void test_depthwise_bias(void **state) {
  (void)state;
  const int64_t s = 9 * 127 * 255;
  int32_t edge[2] = {(int32_t)-(INT32_MAX - s), (int32_t)(INT32_MAX - s)};
  layer L = dw_layer(edge);
  expect_exact("depthwise_edge", &L);
  int32_t over[2] = {(int32_t)-(INT32_MAX - s), (int32_t)(INT32_MAX - s + 1)};
  L = dw_layer(over);
  al w;
  al_init(&w);
  build_layer(&w, &L);
  EXPECT_REFUSED(&w, "op 0 DEPTHWISE_CONV_2D: output channel 1 (weights tensor 1 'layer/w', "
                 "bias tensor 2 'layer/b'): |bias| 2147192183 + sum |weight| 1143 x 255");
}

/* FULLY_CONNECTED [1, depth] -> 1, all weights 127, no bias, input zero point
 * 127 (|x - zp| <= 255): a long reduction alone reaches the bound. The
 * largest depth that fits is floor((2^31 - 1) / (127 * 255)) = 66311. */
static void test_fc_long_reduction(void **state) {
  (void)state;
  enum { DEPTH = 66311 };
  int8_t *wv = malloc(DEPTH + 1);
  assert_non_null(wv);
  memset(wv, 127, DEPTH + 1);
  layer L = {TMC_TFL_OP_FULLY_CONNECTED, 1, 1, 1, DEPTH, 1, 1, 1, 1, 1, 1, 1, 0, 127, 0,
             wv, NULL};
  expect_exact("fc_edge", &L);
  L.c = DEPTH + 1;
  al w;
  al_init(&w);
  build_layer(&w, &L);
  EXPECT_REFUSED(&w, "op 0 FULLY_CONNECTED: output channel 0 (weights tensor 1 'layer/w'): "
                 "|bias| 0 + sum |weight| 8421624 x 255 (the largest |input - zero point|) = "
                 "2147514120, beyond the int32 accumulator");
  free(wv);
}

/* TRANSPOSE_CONV [1,2,2,2] -> [1,4,4,1], 2x2 stride 2: a bias at the limit. */
static void tconv(al *w, int32_t bias_value, int32_t stride) {
  int32_t os = tmc_mb_const_i32(&w->b, "shape", SHAPE(4), (const int32_t[]){1, 4, 4, 1});
  static const int8_t v[8] = {1, -2, 3, -4, 5, -6, 7, -8};
  int32_t wt = weights(w, "tconv/w", SHAPE(1, 2, 2, 2), 0, v);
  int32_t bt = bias(w, "tconv/b", 1, (const int32_t[]){bias_value}, IN_SCALE);
  int32_t x = tmc_mb_act_s8(&w->b, "x", SHAPE(1, 2, 2, 2), IN_SCALE, 0);
  int32_t y = tmc_mb_act_s8(&w->b, "y", SHAPE(1, 4, 4, 1), OUT_SCALE, 0);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_transpose_conv);
  o.u.transpose_conv.padding = TMC_TFL_PAD_VALID;
  o.u.transpose_conv.stride_h = stride;
  o.u.transpose_conv.stride_w = 2;
  tmc_mb_op(&w->b, TMC_TFL_OP_TRANSPOSE_CONV, 1, (const int32_t[]){os, wt, x, bt}, 4, &y, 1,
            &o);
  tmc_mb_io(&w->b, &x, 1, &y, 1);
}

static void test_transpose_conv(void **state) {
  (void)state;
  al w;
  /* sum |w| = 36, |x - 0| <= 128: the edge is 2^31 - 1 - 4608 */
  al_init(&w);
  tconv(&w, INT32_MAX - 4608, 2);
  tmc_tfl_model *m = pt_finish(&w.b);
  assert_non_null(m);
  pt_built pb;
  tmc_status s = pt_plan(m, SUBJECT, NULL, &w.a, &pb);
  if (s != TMC_OK) print_error("%s\n", pb.diag.msg);
  assert_int_equal(s, TMC_OK);
  tmc_arena_free(&w.a);
  al_init(&w);
  tconv(&w, INT32_MAX - 4607, 2);
  EXPECT_REFUSED(&w, "op 0 TRANSPOSE_CONV: output channel 0 (weights tensor 1 'tconv/w', bias "
                 "tensor 2 'tconv/b'): |bias| 2147479040 + sum |weight| 36 x 128");
  /* a stride that steps the taps past int32 */
  al_init(&w);
  tconv(&w, 0, INT32_MAX);
  EXPECT_REFUSED(&w, "op 0 TRANSPOSE_CONV: stride_h 2147483647 with a window of 2 input rows "
                 "reaches 2147483648, beyond the kernels' int32 window arithmetic "
                 "(TMC_MAX_WINDOW_SPAN 2147483647)");
}

/* AVERAGE_POOL_2D over [1,4096,4096,1]: TFLite rounds the int32 sum of a
 * window of count values as (sum -+ count / 2) / count, so 128 * count +
 * count / 2 must fit int32: 4096 x 4080 does (accepted, run on all -128:
 * -128 out), 4096 x 4081 does not (refused). */
static void pool(al *w, int32_t fh, int32_t fw) {
  int32_t x = tmc_mb_act_s8(&w->b, "x", SHAPE(1, 4096, 4096, 1), 0.5f, 0);
  int32_t y = tmc_mb_act_s8(&w->b, "y", SHAPE(1, 1, 1, 1), 0.5f, 0);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_pool2d);
  o.u.pool2d.padding = TMC_TFL_PAD_VALID;
  o.u.pool2d.stride_h = o.u.pool2d.stride_w = 4096;
  o.u.pool2d.filter_height = fh;
  o.u.pool2d.filter_width = fw;
  tmc_mb_op(&w->b, TMC_TFL_OP_AVERAGE_POOL_2D, 1, &x, 1, &y, 1, &o);
  tmc_mb_io(&w->b, &x, 1, &y, 1);
}

static void test_average_pool_sum(void **state) {
  (void)state;
  al w;
  al_init(&w);
  pool(&w, 4096, 4080);
  tmc_tfl_model *m = pt_finish(&w.b);
  assert_non_null(m);
  pt_built pb;
  tmc_status s = pt_plan(m, SUBJECT, NULL, &w.a, &pb);
  if (s != TMC_OK) print_error("%s\n", pb.diag.msg);
  assert_int_equal(s, TMC_OK);
  size_t n = (size_t)4096 * 4096;
  uint8_t *x = malloc(n);
  assert_non_null(x);
  memset(x, 0x80, n);
  uint8_t *in[1] = {x}, *out[1] = {NULL};
  pt_run(&pb.plan, in, out);
  assert_int_equal((int8_t)out[0][0], -128);
  free(out[0]);
  free(x);
  tmc_arena_free(&w.a);
  al_init(&w);
  pool(&w, 4096, 4081);
  EXPECT_REFUSED(&w, "op 0 AVERAGE_POOL_2D: a filter_height 4096 x filter_width 4081 window "
                 "over a 4096 x 4096 input averages up to 16715776 int8 values (|sum| up to "
                 "2139619328, 2147977216 with the rounding's half count), beyond the int32 "
                 "accumulator of TFLite's int8 kernel");
}

/* ---- window geometry ----------------------------------------------------------- */

static int8_t geo_w[3 * 3 * 2 * 2];

/* A 3x3 conv (or depthwise) over [1,4,4,2] with SAME padding and dilations
 * dh x dw. */
static layer geo_layer(int32_t code, int32_t k, int32_t dh, int32_t dw) {
  for (size_t i = 0; i < sizeof geo_w; i++) geo_w[i] = (int8_t)((int)(i * 37 % 255) - 127);
  layer L = {code, 1, 4, 4, 2, 2, k, k, 1, 1, dh, dw, TMC_TFL_PAD_SAME, 5, -3, geo_w, NULL};
  return L;
}

static void test_dilation_extent(void **state) {
  (void)state;
  al w;
  layer L = geo_layer(TMC_TFL_OP_CONV_2D, 3, INT32_MAX, 1);
  al_init(&w);
  build_layer(&w, &L);
  EXPECT_REFUSED(&w, "op 0 CONV_2D: dilation_h_factor 2147483647 with a filter height of 3 "
                 "spans 4294967295 input rows ((k-1)*dilation+1), beyond the kernels' int32 "
                 "window arithmetic (TMC_MAX_WINDOW_SPAN 2147483647)");
  L = geo_layer(TMC_TFL_OP_DEPTHWISE_CONV_2D, 3, 1, INT32_MAX);
  al_init(&w);
  build_layer(&w, &L);
  EXPECT_REFUSED(&w, "op 0 DEPTHWISE_CONV_2D: dilation_w_factor 2147483647 with a filter "
                 "width of 3 spans 4294967295 input columns");
  /* extent exactly 2^31 - 1: TFLite's SAME padding of it around 4 rows
   * (1073741823 per side) plus the dilation passes int32 */
  L = geo_layer(TMC_TFL_OP_CONV_2D, 3, 1073741823, 1);
  al_init(&w);
  build_layer(&w, &L);
  EXPECT_REFUSED(&w, "op 0 CONV_2D: pad_top 1073741823 and pad_bottom 1073741823 around an "
                 "input height of 4 (dilation_h_factor 1073741823) reach 2147483650, beyond "
                 "the kernels' int32 window arithmetic");
}

static void test_dilation_accepted(void **state) {
  (void)state;
  /* a one-tap axis takes any dilation; so does a large one within range:
   * only the centre tap lands in the input */
  layer L = geo_layer(TMC_TFL_OP_CONV_2D, 1, INT32_MAX, INT32_MAX);
  expect_exact("conv_1x1_dilated", &L);
  L = geo_layer(TMC_TFL_OP_CONV_2D, 3, 1 << 29, 1 << 29);
  expect_exact("conv_dilated", &L);
  L = geo_layer(TMC_TFL_OP_DEPTHWISE_CONV_2D, 3, (1 << 30) - 4, 3);
  expect_exact("depthwise_dilated", &L);
}

/* MAX_POOL_2D / AVERAGE_POOL_2D over [1,4,4,1], SAME, with a filter of
 * fh x 3. */
static void pool_same(al *w, int32_t code, int32_t fh) {
  int32_t x = tmc_mb_act_s8(&w->b, "x", SHAPE(1, 4, 4, 1), 0.5f, 3);
  int32_t y = tmc_mb_act_s8(&w->b, "y", SHAPE(1, 4, 4, 1), 0.5f, 3);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_pool2d);
  o.u.pool2d.padding = TMC_TFL_PAD_SAME;
  o.u.pool2d.stride_h = o.u.pool2d.stride_w = 1;
  o.u.pool2d.filter_height = fh;
  o.u.pool2d.filter_width = 3;
  tmc_mb_op(&w->b, code, 1, &x, 1, &y, 1, &o);
  tmc_mb_io(&w->b, &x, 1, &y, 1);
}

/* A pool filter of 2^31 - 4 rows: TFLite's SAME padding of it (2^30 - 3
 * above, 2^30 - 2 below) around the 4 rows ends exactly at 2^31 - 1, and every
 * window covers the whole column, as a filter of 9 rows does: equal
 * outputs. One row more is refused. */
static void test_pool_huge_filter(void **state) {
  (void)state;
  for (int k = 0; k < 2; k++) {
    int32_t code = k ? TMC_TFL_OP_AVERAGE_POOL_2D : TMC_TFL_OP_MAX_POOL_2D;
    al w[2];
    pt_built pb[2];
    uint8_t *out[2][1];
    uint8_t x[16];
    for (int i = 0; i < 16; i++) x[i] = (uint8_t)(i * 53 + 7);
    uint8_t *in[1] = {x};
    for (int j = 0; j < 2; j++) {
      al_init(&w[j]);
      pool_same(&w[j], code, j ? INT32_MAX - 3 : 9);
      tmc_tfl_model *m = pt_finish(&w[j].b);
      assert_non_null(m);
      tmc_status s = pt_plan(m, SUBJECT, NULL, &w[j].a, &pb[j]);
      if (s != TMC_OK) print_error("%s\n", pb[j].diag.msg);
      assert_int_equal(s, TMC_OK);
      pt_run(&pb[j].plan, in, out[j]);
    }
    assert_memory_equal(out[0][0], out[1][0], 16);
    for (int j = 0; j < 2; j++) {
      free(out[j][0]);
      tmc_arena_free(&w[j].a);
    }
    al_init(&w[0]);
    pool_same(&w[0], code, INT32_MAX - 2);
    EXPECT_REFUSED(&w[0], k ? "op 0 AVERAGE_POOL_2D: " : "op 0 MAX_POOL_2D: ",
                   "pad_top 1073741822 and pad_bottom 1073741822 around an input height of 4 "
                   "reach 2147483648, beyond the kernels' int32 window arithmetic");
  }
}

/* PAD of 2^31 - 2 rows above a 1-row input, then a 5x1 SAME conv: folding
 * the PAD into the conv's padding (2 + 2^31 - 2) would pass int32, so the
 * pass leaves it, and the conv over 2^31 - 1 padded rows is refused. */
static void test_folded_padding(void **state) {
  (void)state;
  al w;
  al_init(&w);
  const int32_t big = INT32_MAX - 1;
  int32_t x = tmc_mb_act_s8(&w.b, "x", SHAPE(1, 1, 1, 1), IN_SCALE, 0);
  int32_t pads = tmc_mb_const_i32(&w.b, "pads", SHAPE(4, 2),
                                  (const int32_t[]){0, 0, big, 0, 0, 0, 0, 0});
  int32_t px = tmc_mb_act_s8(&w.b, "padded", SHAPE(1, INT32_MAX, 1, 1), IN_SCALE, 0);
  tmc_mb_op(&w.b, TMC_TFL_OP_PAD, 1, (const int32_t[]){x, pads}, 2, &px, 1, NULL);
  static const int8_t v[5] = {1, 2, 3, 4, 5};
  int32_t wt = weights(&w, "conv/w", SHAPE(1, 5, 1, 1), 0, v);
  int32_t y = tmc_mb_act_s8(&w.b, "y", SHAPE(1, INT32_MAX, 1, 1), OUT_SCALE, 0);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_conv2d);
  o.u.conv2d.padding = TMC_TFL_PAD_SAME;
  o.u.conv2d.stride_h = o.u.conv2d.stride_w = 1;
  o.u.conv2d.dilation_h_factor = o.u.conv2d.dilation_w_factor = 1;
  tmc_mb_op(&w.b, TMC_TFL_OP_CONV_2D, 1, (const int32_t[]){px, wt, -1}, 3, &y, 1, &o);
  tmc_mb_io(&w.b, &x, 1, &y, 1);
  EXPECT_REFUSED(&w, "op 1 CONV_2D: pad_top 2 and pad_bottom 2 around an input height of "
                 "2147483647");
}

int main(int argc, char **argv) {
  static const struct CMUnitTest edge[] = {
      cmocka_unit_test(test_conv_bias_edge),
      cmocka_unit_test(test_depthwise_bias),
      cmocka_unit_test(test_fc_long_reduction),
      cmocka_unit_test(test_dilation_accepted),
  };
  static const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conv_bias_refused),
      cmocka_unit_test(test_conv_bias_edge),
      cmocka_unit_test(test_depthwise_bias),
      cmocka_unit_test(test_fc_long_reduction),
      cmocka_unit_test(test_transpose_conv),
      cmocka_unit_test(test_average_pool_sum),
      cmocka_unit_test(test_pool_huge_filter),
      cmocka_unit_test(test_dilation_extent),
      cmocka_unit_test(test_dilation_accepted),
      cmocka_unit_test(test_folded_padding),
  };
  if (argc > 1) {
    write_dir = argv[1];
    return cmocka_run_group_tests(edge, NULL, NULL);
  }
  return cmocka_run_group_tests(tests, NULL, NULL);
}

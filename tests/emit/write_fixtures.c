/* emit_write_fixtures DIR [mlperf]: writes the single-op fixture models of
 * tests/fixtures as DIR/<name>.tflite for emit_cli_test.sh's 'fixtures'
 * case (each compiled with --main, built, and run against 'tmc run').
 * Supported: conv_*, dw_*, fc_*, add_*, depth_to_space_*, space_to_depth_*,
 * mixed_int16 (int8 -> int16 16x8 layers -> int16, int8 and int32 outputs),
 * the whole-network fixtures net_kws_cnn and net_mobilenetv2_nchw;
 * unsupported (tmc compile must fail with a named error): unsupported_lstm,
 * unsupported_custom. Also hostile_names.model (not .tflite: the 'fixtures'
 * case leaves it alone; the 'hostile' case copies it to a hostile file
 * name): ADD then RELU with tensor names that break C comments and strings,
 * JSON and UTF-8; terminal_names.model, the same graph with ANSI escapes
 * and newlines in its tensor names, and terminal_custom.model, a custom op
 * whose code holds them (the 'terminal' case: text output escapes them).
 * With mlperf, only the MLPerf Tiny-shaped networks
 * net_mlperf_{kws,resnet8,autoencoder,vww} (tests/mcu's fixtures cases and
 * bench/mcu_instructions.sh run them; not the 'fixtures' case: their host
 * builds under the sanitizers would double its time). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/file.h"
#include "base/status.h"
#include "fixtures/model_builder.h"
#include "fixtures/net_fixtures.h"
#include "fixtures/op_fixtures.h"
#include "reader/tflite_write.h"

static int failures;

static void save(const char *dir, const char *name, tmc_status s, tmc_tfl_model *m,
                 tmc_diag *d) {
  uint8_t *bytes = NULL;
  size_t len = 0;
  char path[1024];
  snprintf(path, sizeof path, "%s/%s%s", dir, name, strchr(name, '.') ? "" : ".tflite");
  if (s == TMC_OK) s = tmc_tfl_write(m, &bytes, &len, d);
  if (s == TMC_OK) s = tmc_file_write_atomic(path, bytes, len, d);
  if (s != TMC_OK) {
    fprintf(stderr, "emit_write_fixtures: %s: %s\n", name, d->msg);
    failures++;
  }
  free(bytes);
}

/* The tensor names of hostile_names.model (emit_cli_test.sh's 'hostile'
 * case checks them, in this order: input a, input b, the ADD's output, the
 * RELU's output): comment ends and starts, a newline, quotes, backslashes,
 * trigraphs, control characters, bytes that are not UTF-8 (a stray
 * continuation, 0xff, a truncated sequence, an encoded surrogate) and one
 * valid two-byte sequence. */
static const char *const hostile_names[4] = {
    "in*/a\nb\"c\\d?\?/e", /* ?\? : no trigraph in this file */
    "\xff\xfe/*x*/\x01\x7f",
    "mid\t\x80\xc3(\xed\xa0\x80)?\?=",
    "out\xc3\xa9\"*/\\*",
};

/* The tensor names of terminal_names.model (emit_cli_test.sh's 'terminal'
 * case): a colour escape and a newline, a title-setting OSC sequence ended
 * by BEL, a clear-screen escape with a carriage return, and DEL with a
 * backspace. */
static const char *const terminal_names[4] = {
    "in\x1b[31mred\n  line", /* a newline and indent, like a message's next line */
    "b\x1b]0;pwned\x07",
    "mid\x1b[2J\r",
    ("out\x7f\x08" "end"), /* split: \x08e would be one escape */
};

static tmc_status names_model(const char *const names[4], tmc_arena *a, tmc_tfl_model **m,
                              tmc_diag *d) {
  tmc_mb b;
  const int32_t shape[4] = {1, 4, 4, 3};
  tmc_mb_init(&b, a, "tmc fixture: hostile tensor names");
  int32_t in[2] = {tmc_mb_act_s8(&b, names[0], shape, 4, 0.05f, 3),
                   tmc_mb_act_s8(&b, names[1], shape, 4, 0.04f, -7)};
  int32_t mid = tmc_mb_act_s8(&b, names[2], shape, 4, 0.08f, -2);
  int32_t out = tmc_mb_act_s8(&b, names[3], shape, 4, 0.06f, -128);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_add;
  o.u.add.pot_scale_int16 = true;
  tmc_mb_op(&b, TMC_TFL_OP_ADD, 2, in, 2, &mid, 1, &o);
  tmc_mb_op(&b, TMC_TFL_OP_RELU, 1, &mid, 1, &out, 1, NULL);
  tmc_mb_io(&b, in, 2, &out, 1);
  return tmc_mb_finish(&b, m, d);
}

/* The builder call first (it sets m), then the write. */
#define SAVE(name, call)          \
  do {                            \
    tmc_status s_ = (call);       \
    save(dir, name, s_, m, &d);   \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 2 && !(argc == 3 && strcmp(argv[2], "mlperf") == 0)) {
    fprintf(stderr, "usage: emit_write_fixtures DIR [mlperf]\n");
    return 2;
  }
  const char *dir = argv[1];
  tmc_arena a;
  tmc_diag d;
  tmc_tfl_model *m = NULL;
  tmc_arena_init(&a);
  tmc_diag_init(&d, "fixture");
  if (argc == 3) { /* the MLPerf Tiny shapes only */
    SAVE("net_mlperf_kws", tmc_fx_mlperf_kws(&a, &m, &d));
    SAVE("net_mlperf_resnet8", tmc_fx_mlperf_resnet8(&a, &m, &d));
    SAVE("net_mlperf_autoencoder", tmc_fx_mlperf_autoencoder(&a, &m, &d));
    SAVE("net_mlperf_vww", tmc_fx_mlperf_vww(&a, &m, &d));
    tmc_arena_free(&a);
    return failures ? 1 : 0;
  }

  tmc_fx_conv c;
  tmc_fx_conv_defaults(&c);
  SAVE("conv_default", tmc_fx_conv2d(&a, &c, &m, &d));
  SAVE("mixed_int16", tmc_fx_mixed_int16(&a, &m, &d));
  SAVE("net_kws_cnn", tmc_fx_kws_cnn(&a, &m, &d));
  SAVE("net_mobilenetv2_nchw", tmc_fx_mobilenetv2_nchw(&a, true, &m, &d));
  tmc_fx_conv_defaults(&c);
  c.in_h = 9;
  c.in_w = 7;
  c.in_c = 5;
  c.out_c = 6;
  c.stride_h = 2;
  c.stride_w = 2;
  c.padding = TMC_TFL_PAD_VALID;
  c.act = TMC_TFL_ACT_RELU6;
  c.in_zp = 7;
  c.out_zp = -3;
  c.seed = 11;
  SAVE("conv_stride2_valid_relu6", tmc_fx_conv2d(&a, &c, &m, &d));
  tmc_fx_conv_defaults(&c);
  c.k_h = 1;
  c.k_w = 1;
  c.in_c = 16;
  c.out_c = 8;
  c.per_tensor = true;
  c.no_bias = true;
  c.seed = 12;
  SAVE("conv_1x1_per_tensor_no_bias", tmc_fx_conv2d(&a, &c, &m, &d));
  tmc_fx_conv_defaults(&c);
  c.in_h = 10;
  c.in_w = 10;
  c.dilation_h = 2;
  c.dilation_w = 2;
  c.act = TMC_TFL_ACT_RELU;
  c.seed = 13;
  SAVE("conv_dilated_relu", tmc_fx_conv2d(&a, &c, &m, &d));

  tmc_fx_conv_defaults(&c);
  SAVE("dw_default", tmc_fx_depthwise_conv2d(&a, &c, &m, &d));
  tmc_fx_conv_defaults(&c);
  c.in_c = 4;
  c.depth_multiplier = 2;
  c.stride_h = 2;
  c.stride_w = 1;
  c.k_h = 5;
  c.k_w = 3;
  c.act = TMC_TFL_ACT_RELU6;
  c.in_zp = -20;
  c.seed = 14;
  SAVE("dw_mult2_stride", tmc_fx_depthwise_conv2d(&a, &c, &m, &d));

  tmc_fx_fc f;
  tmc_fx_fc_defaults(&f);
  SAVE("fc_default", tmc_fx_fully_connected(&a, &f, &m, &d));
  tmc_fx_fc_defaults(&f);
  f.batch = 3;
  f.in = 37;
  f.out = 11;
  f.per_channel = true;
  f.act = TMC_TFL_ACT_RELU;
  f.in_zp = 5;
  f.out_zp = -9;
  f.seed = 15;
  SAVE("fc_batch3_per_channel_relu", tmc_fx_fully_connected(&a, &f, &m, &d));

  tmc_fx_add ad;
  tmc_fx_add_defaults(&ad);
  SAVE("add_default", tmc_fx_add_model(&a, &ad, &m, &d));
  tmc_fx_add_defaults(&ad);
  ad.rank_b = 4;
  ad.shape_b[0] = 1;
  ad.shape_b[1] = 1;
  ad.shape_b[2] = 1;
  ad.shape_b[3] = 8;
  ad.b_const = true;
  ad.act = TMC_TFL_ACT_RELU6;
  ad.seed = 16;
  SAVE("add_broadcast_const", tmc_fx_add_model(&a, &ad, &m, &d));

  SAVE("depth_to_space_b2", tmc_fx_space_depth(&a, true, 1, 3, 5, 12, 2, &m, &d));
  SAVE("space_to_depth_b3", tmc_fx_space_depth(&a, false, 2, 6, 9, 5, 3, &m, &d));

  SAVE("unsupported_lstm", tmc_fx_lstm(&a, 1, 4, 3, &m, &d));
  SAVE("unsupported_custom", tmc_fx_custom(&a, "MyCustomOp", 8, NULL, 0, &m, &d));
  SAVE("hostile_names.model", names_model(hostile_names, &a, &m, &d));
  SAVE("terminal_names.model", names_model(terminal_names, &a, &m, &d));
  SAVE("terminal_custom.model", tmc_fx_custom(&a, "Op\x1b[31m\nred", 8, NULL, 0, &m, &d));

  tmc_arena_free(&a);
  return failures ? 1 : 0;
}
